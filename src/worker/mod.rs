//! The training worker, wasm32 only: a Web Worker that owns the dataset, the device and the
//! model, and talks to the page in the typed messages of [`crate::protocol`]. Keeping all
//! heavy work here is what keeps the page responsive during training.

mod backend;
mod classes;
mod classify;
mod evaluate;
mod fetch;
mod files;
mod gpu_js;
mod helper;
mod indexing;
mod loading;
mod pool;
mod run;
mod send;
mod slot;
mod wait;
mod work;

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_sys::MessageEvent;

use crate::protocol::{self, FaultKind, FromWorker, ToWorker};
use send::{scope, send, warning};

/// The worker's allocator, counted so the memory line can tell live bytes from the
/// WebAssembly memory's size, which never shrinks (see [`crate::heap`]).
#[global_allocator]
static HEAP: crate::heap::Counting = crate::heap::Counting::new();

/// Bytes the worker holds on its heap now.
pub(crate) fn heap_bytes() -> usize {
    HEAP.live()
}

/// Entry point, from `fashion-worker`'s `main` (run when `web/worker.js` initialises the
/// module): reports panics and a lost GPU, listens, and tells the page it may post.
pub fn start() {
    if helper::is_helper() {
        return helper::start();
    }
    send::install_panic_hook();
    gpu_js::watch_device_loss();
    let handler = Closure::<dyn FnMut(MessageEvent)>::new(|event: MessageEvent| {
        match protocol::js::from_js::<ToWorker>(&event.data()) {
            Ok(msg) => handle(msg),
            Err(e) => warning(e.to_string()),
        }
    });
    scope().set_onmessage(Some(handler.as_ref().unchecked_ref()));
    handler.forget();
    send(FromWorker::Alive);
}

fn handle(msg: ToWorker) {
    match msg {
        ToWorker::Init { query } => loading::init(query),
        ToWorker::Train { query } => run::start_training(query),
        ToWorker::Stop => run::stop(),
        ToWorker::SkipEvaluation => run::skip_evaluation(),
        ToWorker::Retry => loading::retry(),
        ToWorker::Classify { seq, width, height, rgba, as_is } => {
            classify::classify(seq, (width, height, as_is), &rgba, slot::loaded())
        }
        ToWorker::LoadModel { bytes, source, name } => files::load_model(bytes.0, source, name),
        ToWorker::SaveModel { purpose } => spawn_local(files::save_model(purpose)),
        ToWorker::Samples { class, page } => loading::samples(class, page),
        ToWorker::AddExample { name, width, height, rgba, as_is } => {
            classes::add_example(&name, (width, height, as_is), &rgba)
        }
        ToWorker::RemoveClass { name } => classes::remove(&name),
        ToWorker::FitClasses { named } => classes::fit(named),
        ToWorker::Memory => spawn_local(gpu_js::report_memory()),
        // Fault injection for the tests (and for anyone checking how the page recovers).
        ToWorker::Fault { kind: FaultKind::Panic } => panic!("fault injected on request (kind=panic)"),
        ToWorker::Fault { kind: FaultKind::LoseGpu } => gpu_js::lose_device(),
        ToWorker::Fault { kind: FaultKind::HelperPanic } => pool::Pool::panic_one(),
    }
}
