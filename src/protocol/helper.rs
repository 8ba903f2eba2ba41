//! Between the training worker and its helpers, the other workers of a data-parallel run on
//! the CPU (src/worker/pool.rs sends, src/worker/helper.rs answers). The same envelope as the
//! page's messages: control data through serde, the numbers as [`Bulk`] typed arrays moved
//! with a transfer list. A helper holds no optimizer and no dataset: each shard comes with the
//! model's parameters and statistics (train/replicas.rs), and an inference pass's batches
//! follow one `Load` of them (train/inference.rs).

use serde::{Deserialize, Serialize};

use super::Bulk;
use crate::arch::Arch;

/// The training worker to a helper.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ToHelper {
    /// Build a replica of `arch` whose loss smooths its targets by `smoothing`.
    Start { arch: Arch, smoothing: f32 },
    /// Compute the gradients of one shard of step `step` after taking the parameters and
    /// running statistics (`pixels`: standardised, 784 per image).
    Shard { step: u32, parameters: Bulk<f32>, stats: Bulk<f32>, pixels: Bulk<f32>, labels: Bulk<u8> },
    /// Take these parameters and statistics for the inference batches that follow.
    Load { parameters: Bulk<f32>, stats: Bulk<f32> },
    /// Run the loaded model over one batch of an inference pass (`pixels` as in `Shard`).
    Infer { id: u32, pixels: Bulk<f32> },
    /// Panic (tests: a helper lost mid-run).
    Panic,
}

/// A helper to the training worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum FromHelper {
    /// Its WebAssembly runs and it listens.
    Alive,
    /// The replica asked for by `Start` is built.
    Ready,
    Shard {
        step: u32,
        loss: f32,
        correct: u32,
        size: u32,
        gradients: Bulk<f32>,
        stats: Bulk<f32>,
    },
    /// The answers to `Infer` `id`: the head's logits and the penultimate features.
    Output {
        id: u32,
        logits: Bulk<f32>,
        features: Bulk<f32>,
    },
    /// It panicked or could not do what was asked: it is not to be used again.
    Failed {
        message: String,
    },
}
