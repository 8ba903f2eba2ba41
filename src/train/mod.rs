//! Training without burn-train (its Learner needs threads that a browser does not have): the
//! step and batched inference (`step.rs`), and the run that strings steps into epochs
//! ([`driver`]), shared by the worker and the native command.

pub mod driver;
pub mod parallel;
pub mod replicas;
mod step;

pub use step::{Inference, PendingStats, StatsRead, StepStats, Trainer, batch_tensors, infer_split, learning_rate};
