//! Start-up: builds the form, wires the buttons and the page-wide error handlers, starts the
//! worker. Also the memory line, which belongs to no other panel.

use js_sys::Reflect;
use web_sys::{CustomEvent, ErrorEvent, PromiseRejectionEvent};

use super::dom::{el, js_error, listen, on, set_data, window};
use super::status::{self, fail, set_phase, show_error};
use super::{
    camera, classes, curves, explorer, feature_map, form, gallery, glossary, inside, link, model_summary, models_panel,
    pad, results, runs, sweep, training,
};
use crate::protocol::{FaultKind, Phase, ToWorker};
use crate::settings::Settings;

/// The test hook for fault injection: `dispatchEvent(new CustomEvent('fashion-lab-fault',
/// {detail: 'panic' | 'lose-gpu'}))`.
const FAULT_EVENT: &str = "fashion-lab-fault";

pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        // The page's WebAssembly cannot go on after a panic: say so where the user looks.
        status::show_error(&format!("Internal error in the page (a bug, please report it): {info}. Reload the page."));
    }));
    let query = window().location().search().unwrap_or_default();
    // First the slow parts, so they overlap: the worker compiles its wasm (the most of the
    // time to a usable pad) while this thread builds the page and fetches the model.
    link::start(sweep::worker_query(&query));
    models_panel::init();
    models_panel::start(&query);
    // The worker reports a bad parameter; the form shows the default in its place.
    form::build(&Settings::from_query_lenient(&query).0);
    training::init();
    gallery::init();
    pad::init();
    inside::init();
    glossary::init();
    explorer::init();
    classes::init();
    camera::init();
    model_summary::init();
    curves::init();
    feature_map::init();
    runs::init();
    sweep::init(&query);
    on::<web_sys::Event>("train-button", "click", |_| link::train());
    on::<web_sys::Event>("stop-button", "click", |_| link::stop());
    on::<web_sys::Event>("retry-button", "click", |_| link::retry());
    let win = window();
    listen::<web_sys::Event>(&win, "resize", |_| on_resize());
    listen::<ErrorEvent>(&win, "error", |e| fail(&format!("Unexpected error in the page: {}", e.message())));
    listen::<PromiseRejectionEvent>(&win, "unhandledrejection", |e| {
        fail(&format!("Unexpected error in the page: {}", js_error(&e.reason())))
    });
    listen::<CustomEvent>(&win, FAULT_EVENT, |e| {
        let kind = e.detail().as_string().unwrap_or_default();
        match kind.parse::<FaultKind>() {
            Ok(kind) => link::post(ToWorker::Fault { kind }),
            Err(why) => show_error(&why),
        }
    });
    set_phase(Phase::Loading, Some("Loading the app…"));
    show_error("");
}

thread_local! {
    /// A redraw after a resize is waiting.
    static RESIZE_PENDING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The window changed size (a phone turned): the charts drawn at their shown width are drawn
/// again, once the resizing has paused (the training curves redraw themselves).
fn on_resize() {
    if RESIZE_PENDING.replace(true) {
        return;
    }
    super::dom::after(200, || {
        RESIZE_PENDING.set(false);
        results::redraw();
        curves::redraw();
        feature_map::redraw();
        explorer::redraw();
    });
}

/// The memory line: the worker's WebAssembly memory and the part of it in use, the bytes in
/// live WebGPU buffers, and the page's JavaScript heap where the browser tells it (Chromium's
/// `performance.memory`).
pub fn show_memory(wasm_bytes: f64, heap_bytes: f64, gpu_bytes: Option<f64>, gpu_buffers: Option<u32>) {
    let e = el("memory");
    let heap = window()
        .performance()
        .and_then(|p| Reflect::get(&p, &"memory".into()).ok())
        .and_then(|m| Reflect::get(&m, &"usedJSHeapSize".into()).ok())
        .and_then(|h| h.as_f64());
    let mb = |b: f64| format!("{:.1} MB", b / 1_048_576.0);
    set_data(&e, "wasm-bytes", Some(&wasm_bytes.to_string()));
    set_data(&e, "heap-bytes", Some(&heap_bytes.to_string()));
    set_data(&e, "gpu-bytes", gpu_bytes.map(|b| b.to_string()).as_deref());
    set_data(&e, "js-heap-bytes", heap.map(|b| b.to_string()).as_deref());
    let mut text = format!("Memory: WebAssembly {} ({} in use)", mb(wasm_bytes), mb(heap_bytes));
    if let Some(b) = gpu_bytes {
        text.push_str(&format!(", GPU buffers {} in {}", mb(b), gpu_buffers.unwrap_or(0)));
    }
    if let Some(h) = heap {
        text.push_str(&format!(", page JavaScript heap {}", mb(h)));
    }
    text.push('.');
    e.set_text_content(Some(&text));
}
