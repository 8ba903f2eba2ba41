//! Fashion-MNIST in the browser: a pure-Rust core (dataset, augmentation, batching, models,
//! training, metrics, settings) that knows nothing of the web, and, for wasm32 only, the thin
//! web layer in [`web`] that drives it from a page and a Web Worker.

#![recursion_limit = "256"]

pub mod augment;
pub mod batch;
pub mod dataset;
pub mod explain;
pub mod metrics;
pub mod model;
pub mod model_file;
pub mod neighbours;
pub mod pictures;
pub mod settings;
pub mod sketch;
pub mod svm;
pub mod train;

#[cfg(target_arch = "wasm32")]
pub mod web;
