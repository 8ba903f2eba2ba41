//! The browser side, wasm32 only: a Web Worker that owns the dataset, the device and the model,
//! and talks to the page (`web/app.js`) with plain message objects. Keeping all heavy work in
//! the worker is what keeps the page responsive during training.

mod backend;
mod classify;
mod evaluate;
mod fetch;
mod messages;
mod session;

use wasm_bindgen::prelude::*;

/// Entry point, called by `web/worker.js` once the module is instantiated.
#[wasm_bindgen]
pub fn worker_main() {
    messages::install_panic_reporter();
    session::listen();
}
