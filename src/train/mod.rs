//! Training without burn-train (its Learner needs threads that a browser does not have): the
//! step (`step.rs`), batched inference ([`inference`]), and the run that strings steps into epochs
//! ([`driver`]), shared by the worker and the native command.

pub mod driver;
pub mod inference;
pub mod parallel;
pub mod replicas;
mod step;

pub use inference::{Inference, infer_shared, infer_split};
pub use step::{PendingStats, StatsRead, StepStats, Trainer, batch_tensors, learning_rate};
