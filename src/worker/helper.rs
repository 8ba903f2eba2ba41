//! A helper worker: one replica of a data-parallel CPU run (the training worker starts it,
//! src/worker/pool.rs). It keeps a model and nothing else: each shard comes with the
//! parameters and running statistics to take first, and it answers with the shard's gradients
//! ([`crate::train::replicas::replica_step`]). After training it runs batches of the
//! evaluation's inference passes on the model it is sent ([`crate::train::inference`]).

use std::cell::RefCell;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use wasm_bindgen::prelude::*;
use web_sys::{ErrorEvent, MessageEvent};

use super::backend::cpu_device;
use super::send::scope;
use crate::batch::Batch;
use crate::dataset::IMAGE_PIXELS;
use crate::model::Model;
use crate::protocol::helper::{CpuBackend, FromHelper, ToHelper};
use crate::protocol::{self, Bulk};
use crate::svm::{FeatureMap, Plan, Rows, Run, SvmOptions};
use crate::train::Trainer;
use crate::train::inference::{BatchOutput, batch_output, load_replica};
use crate::train::replicas::{ModelState, replica_step};

thread_local! {
    /// The backend `Start` named, for the inference batches too.
    static BACKEND: std::cell::Cell<CpuBackend> = const { std::cell::Cell::new(CpuBackend::Flex) };
    static TRAINER: RefCell<Option<Trainer>> = const { RefCell::new(None) };
    /// The model of the inference pass under way, as `Load` gave it.
    static LOADED: RefCell<Option<Model>> = const { RefCell::new(None) };
    /// The SVM fit under way, as `FitFeatures` gave it: its rows, labels and plan.
    static FIT: RefCell<Option<(Rows, Vec<u8>, Plan)>> = const { RefCell::new(None) };
}

/// This worker's URL (`self.location.href`; read through `Reflect` rather than web-sys's
/// `WorkerLocation`, a feature that would rebuild web-sys and all that depends on it).
pub fn own_url() -> String {
    let location = js_sys::Reflect::get(&scope(), &"location".into()).unwrap_or(JsValue::UNDEFINED);
    js_sys::Reflect::get(&location, &"href".into()).ok().and_then(|h| h.as_string()).unwrap_or_default()
}

/// Whether this worker was started as a helper (`helper` in its URL's query).
pub fn is_helper() -> bool {
    let url = own_url();
    let query = url.split_once('?').map_or("", |(_, q)| q);
    query.split('&').any(|kv| kv == "helper" || kv.starts_with("helper="))
}

/// Entry point of a helper: answers [`ToHelper`] messages.
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        reply(&FromHelper::Failed { message: format!("a helper worker panicked: {info}") });
    }));
    let handler = Closure::<dyn FnMut(MessageEvent)>::new(|event: MessageEvent| {
        match protocol::js::from_js::<ToHelper>(&event.data()) {
            Ok(msg) => handle(msg),
            Err(e) => reply(&FromHelper::Failed { message: e.to_string() }),
        }
    });
    scope().set_onmessage(Some(handler.as_ref().unchecked_ref()));
    handler.forget();
    // An uncaught error (the trap after a panic, or any other) is answered here and cancelled:
    // not cancelled, it would go on to the training worker and the page as theirs.
    let on_error = Closure::<dyn FnMut(ErrorEvent)>::new(|event: ErrorEvent| {
        event.prevent_default();
        reply(&FromHelper::Failed { message: format!("a helper worker stopped: {}", event.message()) });
    });
    let _ = scope().add_event_listener_with_callback("error", on_error.as_ref().unchecked_ref());
    on_error.forget();
    reply(&FromHelper::Alive);
}

fn reply(msg: &FromHelper) {
    let (value, transfer) = protocol::js::to_js(msg);
    if let Err(e) = scope().post_message_with_transfer(&value, &transfer) {
        web_sys::console::error_2(&"a helper could not answer:".into(), &e);
    }
}

fn handle(msg: ToHelper) {
    match msg {
        ToHelper::Start { arch, smoothing, backend } => {
            BACKEND.set(backend);
            // Its own weights are replaced by the first shard's; the optimizer is never used.
            let trainer = Trainer::new(arch, &cpu_device(backend), 0.0, 0).with_regularization(smoothing, 0.0);
            TRAINER.set(Some(trainer));
            reply(&FromHelper::Ready);
        }
        ToHelper::Shard { step, parameters, stats, pixels, labels } => {
            let state = ModelState { parameters: parameters.0, stats: stats.0 };
            let shard = Batch { pixels: pixels.0, labels: labels.iter().map(|&l| l as i64).collect() };
            reply(&match shard_now(&state, &shard) {
                Ok(r) => FromHelper::Shard {
                    step,
                    loss: r.loss,
                    correct: r.correct as u32,
                    size: r.size as u32,
                    gradients: Bulk(r.gradients),
                    stats: Bulk(r.stats),
                },
                Err(message) => FromHelper::Failed { message },
            });
        }
        ToHelper::Load { parameters, stats } => {
            let state = ModelState { parameters: parameters.0, stats: stats.0 };
            if let Err(message) = load(&state) {
                reply(&FromHelper::Failed { message });
            }
        }
        ToHelper::Infer { id, pixels } => {
            let n = pixels.len() / IMAGE_PIXELS;
            let batch = Batch { pixels: pixels.0, labels: vec![0; n] };
            reply(&match infer_now(&batch) {
                Ok(o) => FromHelper::Output { id, logits: Bulk(o.logits), features: Bulk(o.features) },
                Err(message) => FromHelper::Failed { message },
            });
        }
        ToHelper::FitFeatures { features, labels, options } => fit_features(&features, labels.0, options),
        ToHelper::SvmRun { id, run, start, end } => {
            reply(&match svm_run(run, start as usize..end as usize) {
                Ok(weights) => FromHelper::Weights { id, weights: Bulk(weights) },
                Err(message) => FromHelper::Failed { message: message.into() },
            });
        }
        ToHelper::DropFit => FIT.set(None),
        ToHelper::Panic => panic!("fault injected on request (kind=helper-panic)"),
    }
}

/// The shard's result, computed now: on the CPU backend every read is ready at once, so the
/// future completes on its first poll and no other message can come between.
fn shard_now(state: &ModelState, shard: &Batch) -> Result<crate::train::replicas::ShardResult, String> {
    TRAINER.with_borrow_mut(|trainer| {
        let trainer = trainer.as_mut().ok_or("a shard came before the replica was started")?;
        ready_now(pin!(replica_step(trainer, state, shard)))
    })
}

/// The replica takes `state` and keeps its inference copy for the batches that follow.
fn load(state: &ModelState) -> Result<(), String> {
    TRAINER.with_borrow_mut(|trainer| {
        let trainer = trainer.as_mut().ok_or("a model came before the replica was started")?;
        LOADED.set(Some(load_replica(trainer, state)?));
        Ok(())
    })
}

/// The loaded model's answers to `batch`, computed now (as [`shard_now`]).
fn infer_now(batch: &Batch) -> Result<BatchOutput, String> {
    LOADED.with_borrow(|model| {
        let model = model.as_ref().ok_or("an inference batch came before its model")?;
        let device = cpu_device(BACKEND.get());
        ready_now(pin!(batch_output(model, batch, &device)))
    })
}

/// Maps the fit's features as the training worker does (the same code on the same numbers
/// gives the same rows) and keeps them for the runs.
fn fit_features(features: &[f32], labels: Vec<u8>, options: SvmOptions) {
    FIT.set(None);
    let dim = features.len() / labels.len().max(1);
    let map = FeatureMap::fit(options.kernel, features, dim, options.pegasos.seed);
    let rows = map.apply_all(features, |_| {});
    let plan = Plan::new(rows.len(), options);
    FIT.set(Some((rows, labels, plan)));
}

/// The weights of `classes` after `run`, solved to its end.
fn svm_run(run: Run, classes: std::ops::Range<usize>) -> Result<Vec<f32>, &'static str> {
    FIT.with_borrow(|fit| {
        let (rows, labels, plan) = fit.as_ref().ok_or("an SVM run came before its features")?;
        let mut pegasos = plan.pegasos(run, rows, labels).for_classes(classes);
        pegasos.run(usize::MAX);
        Ok(pegasos.class_weights().to_vec())
    })
}

/// The result of `future`, polled once: the CPU backend's reads are ready at once.
fn ready_now<T>(mut future: std::pin::Pin<&mut impl Future<Output = Result<T, String>>>) -> Result<T, String> {
    match future.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => Err("the CPU backend left a read pending".into()),
    }
}
