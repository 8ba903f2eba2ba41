//! Everything the worker tells the page goes through [`send`], as one [`FromWorker`].

use wasm_bindgen::JsCast;
use web_sys::DedicatedWorkerGlobalScope;

use crate::protocol::{self, FromWorker, Phase};

pub fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Posts `msg` to the page, its bulk buffers moved, not copied.
pub fn send(msg: FromWorker) {
    let (value, transfer) = protocol::js::to_js(&msg);
    if let Err(e) = scope().post_message_with_transfer(&value, &transfer) {
        web_sys::console::error_2(&"could not post a message to the page:".into(), &e);
    }
}

pub fn phase(phase: Phase, detail: impl Into<String>) {
    send(FromWorker::Phase { phase, detail: detail.into() });
}

/// A fatal problem for the current work: the page shows it in `#error` and enters the
/// `error` phase.
pub fn error(message: impl Into<String>) {
    send(FromWorker::Error { message: message.into(), panic: false, retry: false });
}

/// A problem worked around: shown in `#error`, but work goes on.
pub fn warning(message: impl Into<String>) {
    send(FromWorker::Warning { message: message.into() });
}

/// A panic in the worker would otherwise only reach the console; the page must show it. The
/// WebAssembly instance cannot be trusted after one, so `panic: true` tells the page to start
/// a fresh worker (with the model it has).
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        let message = format!("Internal error (a bug, please report it): {info}");
        send(FromWorker::Error { message, panic: true, retry: false });
    }));
}
