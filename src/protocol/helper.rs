//! Between the training worker and its helpers, the other workers of a data-parallel run on
//! the CPU (src/worker/pool.rs sends, src/worker/helper.rs answers). The same envelope as the
//! page's messages: control data through serde, the numbers as [`Bulk`] typed arrays moved
//! with a transfer list. A helper holds no optimizer and no dataset: each shard comes with the
//! model's parameters and statistics (train/replicas.rs), and an inference pass's batches
//! follow one `Load` of them (train/inference.rs), and an SVM fit's runs one `FitFeatures`
//! (svm/shared.rs).

use serde::{Deserialize, Serialize};

use super::Bulk;
use crate::arch::Arch;
use crate::svm::{Run, SvmOptions};

/// Which of Burn's CPU backends a run's workers use (`backend=cpu` or `backend=ndarray`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CpuBackend {
    Flex,
    NdArray,
}

/// The training worker to a helper.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ToHelper {
    /// Build a replica of `arch` on `backend` whose loss smooths its targets by `smoothing`.
    Start { arch: Arch, smoothing: f32, backend: CpuBackend },
    /// Compute the gradients of one shard of step `step` after taking the parameters and
    /// running statistics (`pixels`: standardised, 784 per image).
    Shard { step: u32, parameters: Bulk<f32>, stats: Bulk<f32>, pixels: Bulk<f32>, labels: Bulk<u8> },
    /// Take these parameters and statistics for the inference batches that follow.
    Load { parameters: Bulk<f32>, stats: Bulk<f32> },
    /// Run the loaded model over one batch of an inference pass (`pixels` as in `Shard`).
    Infer { id: u32, pixels: Bulk<f32> },
    /// Take the SVM fit's training features (`features.len() / labels.len()` per image) and
    /// map them as `options` says, for the runs that follow (src/svm/shared.rs).
    FitFeatures { features: Bulk<f32>, labels: Bulk<u8>, options: SvmOptions },
    /// Solve `run` of the fit for classes `start..end`.
    SvmRun { id: u32, run: Run, start: u32, end: u32 },
    /// The fit is over: let its rows go.
    DropFit,
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
    /// The answer to `SvmRun` `id`: its classes' weights and biases, `dim + 1` per class.
    Weights {
        id: u32,
        weights: Bulk<f32>,
    },
    /// It panicked or could not do what was asked: it is not to be used again.
    Failed {
        message: String,
    },
}
