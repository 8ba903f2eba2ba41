//! Messages from the worker to the page, as plain JS objects `{type, ...fields}`.

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;
use web_sys::DedicatedWorkerGlobalScope;

pub fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Posts `{type: kind, ...fields}` to the page.
pub fn post(kind: &str, fields: &[(&str, JsValue)]) {
    let obj = Object::new();
    let _ = Reflect::set(&obj, &"type".into(), &kind.into());
    for (k, v) in fields {
        let _ = Reflect::set(&obj, &(*k).into(), v);
    }
    let _ = scope().post_message(&obj);
}

pub fn phase(phase: &str, detail: &str) {
    post("phase", &[("phase", phase.into()), ("detail", detail.into())]);
}

/// A fatal problem: the page shows it in `#error` and enters the `error` phase.
pub fn error(message: &str) {
    post("error", &[("message", message.into())]);
}

/// A problem worked around: shown in `#error`, but work goes on.
pub fn warning(message: &str) {
    post("warning", &[("message", message.into())]);
}

pub fn num(x: impl Into<f64>) -> JsValue {
    JsValue::from_f64(x.into())
}

/// A panic in the worker would otherwise only reach the console; the page must show it. The
/// WebAssembly instance cannot be trusted after one, so `panic: true` tells the page to start
/// a fresh worker (with the model it has).
pub fn install_panic_reporter() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        let message = format!("Internal error (a bug, please report it): {info}");
        post("error", &[("message", message.into()), ("panic", true.into())]);
    }));
}

/// Reads a string field of an incoming message.
pub fn field_str(msg: &JsValue, key: &str) -> Option<String> {
    Reflect::get(msg, &key.into()).ok()?.as_string()
}
