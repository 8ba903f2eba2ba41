//! The page, wasm32 only: a Rust program over web-sys that draws what the training worker
//! reports and forwards the user's input to it. All heavy work runs in the worker
//! ([`crate::worker`]); nothing here blocks for more than a frame.
//!
//! One module per part of the page; the worker's messages reach them through [`link`].

pub mod answer;
pub mod camera;
pub mod charts;
pub mod classes;
pub mod curves;
pub mod dom;
pub mod explorer;
pub mod feature_map;
pub mod form;
pub mod gallery;
pub mod glossary;
pub mod images;
pub mod inside;
pub mod kept;
pub mod link;
pub mod model_summary;
pub mod models_panel;
pub mod pad;
pub mod plots;
pub mod results;
pub mod runs;
pub mod status;
pub mod storage;
pub mod sweep;
pub mod training;

/// Entry point of the page binary.
pub fn start() {
    app::start();
}

mod app;
