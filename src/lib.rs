//! Fashion-MNIST in the browser: a pure-Rust core (dataset, augmentation, batching, models,
//! training, metrics, settings) that knows nothing of the web, and, for wasm32 only, the two
//! web programs that drive it: the page (`page`) and the training worker (`worker`),
//! which talk in the typed messages of [`protocol`].

#![recursion_limit = "256"]

// Feature `ml` (on by default) is everything that needs Burn: the networks, training,
// explanations, and the worker. The page's own wasm is built without it (index.html), so that
// none of Burn's code, nor the start-up registrations of its compiler crates, reach it.
pub mod arch;
pub mod augment;
pub mod batch;
pub mod custom;
pub mod dataset;
#[cfg(feature = "ml")]
pub mod explain;
pub mod explore;
pub mod glossary;
pub mod heap;
pub mod metrics;
#[cfg(feature = "ml")]
pub mod model;
pub mod model_file;
pub mod neighbours;
pub mod pca;
pub mod pictures;
pub mod protocol;
pub mod roc;
pub mod runlog;
pub mod settings;
pub mod shelf;
pub mod sketch;
pub mod summary;
pub mod svm;
pub mod sweep;
#[cfg(feature = "ml")]
pub mod train;
pub mod view;

#[cfg(all(target_arch = "wasm32", feature = "page"))]
pub mod page;

#[cfg(all(target_arch = "wasm32", feature = "ml"))]
pub mod worker;
