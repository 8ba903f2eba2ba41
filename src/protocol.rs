//! The one boundary between the page and the training worker: every message either way is a
//! variant of [`ToWorker`] or [`FromWorker`], with named fields. Both binaries compile this
//! module, so a field renamed on one side is a compile error on the other.
//!
//! Control data crosses as plain objects (serde-wasm-bindgen). Bulk numbers (images, weights,
//! pixels, features) are [`Bulk`] fields: they travel beside the message as typed arrays whose
//! buffers are moved with a transfer list, not copied into JavaScript arrays element by
//! element (a `Vec<f32>` of 500k values as a JS Array costs ~24 ms, as a `Float32Array` ~1 ms).
//! The side channel is generic: serialising a `Bulk` puts its vector in a thread-local list and
//! writes its index; deserialising takes it back by index (see [`encode`] and [`decode`]).

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::arch::Arch;
use crate::roc::OneVsRest;

mod bulk;
pub mod helper;
#[cfg(target_arch = "wasm32")]
pub mod js;
mod lab;
pub use bulk::{Buffer, Bulk, Element, decode, encode};
pub use lab::{ClassesFitted, DatasetView, FeatureProjection, SamplePage};

/// Where the model in use came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ModelSource {
    /// Shipped with the page (`pretrained.fmnist`).
    Pretrained,
    /// The last model trained in this browser, from IndexedDB.
    Saved,
    /// A file the user picked.
    File,
    /// Trained in this tab.
    Trained,
    /// The run in progress as far as it got, restored after the worker restarted.
    Checkpoint,
}

impl ModelSource {
    /// As `#model-info[data-source]` shows it.
    pub fn as_str(self) -> &'static str {
        match self {
            ModelSource::Pretrained => "pretrained",
            ModelSource::Saved => "saved",
            ModelSource::File => "file",
            ModelSource::Trained => "trained",
            ModelSource::Checkpoint => "checkpoint",
        }
    }
}

/// What the page's status says the app is doing (`#status[data-phase]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    Loading,
    Ready,
    Training,
    Evaluating,
    FittingSvm,
    Done,
    Error,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Loading => "loading",
            Phase::Ready => "ready",
            Phase::Training => "training",
            Phase::Evaluating => "evaluating",
            Phase::FittingSvm => "fitting-svm",
            Phase::Done => "done",
            Phase::Error => "error",
        }
    }

    /// Between Train and the end of the evaluation: the form is locked, Stop is offered.
    pub fn is_running(self) -> bool {
        matches!(self, Phase::Training | Phase::Evaluating | Phase::FittingSvm)
    }
}

/// The backend a run uses (`#backend[data-backend]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BackendKind {
    WebGpu,
    Cpu,
}

impl BackendKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BackendKind::WebGpu => "webgpu",
            BackendKind::Cpu => "cpu",
        }
    }
}

/// Why the worker sends the model as a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SavePurpose {
    /// The user pressed "Save model to a file".
    Download,
    /// To be kept in IndexedDB for the next visit.
    Store,
}

/// Faults the tests (or a curious user) can inject.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FaultKind {
    /// A Rust panic in the worker.
    Panic,
    /// The WebGPU device destroyed.
    LoseGpu,
    /// A data-parallel helper worker panics at the next step.
    HelperPanic,
}

impl std::str::FromStr for FaultKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "panic" => Ok(FaultKind::Panic),
            "lose-gpu" => Ok(FaultKind::LoseGpu),
            "helper-panic" => Ok(FaultKind::HelperPanic),
            _ => Err(format!("unknown fault \"{s}\": use panic, lose-gpu or helper-panic")),
        }
    }
}

/// What a training step cost the worker, averaged over the run (`#metrics[data-build-ms-per-step]`
/// and, on WebGPU, `[data-dispatches-per-step][data-submits-per-step]`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepCost {
    /// CPU workers that shared each step.
    pub workers: u32,
    /// The worker thread's time to build and queue a step: on the CPU, its whole compute; on
    /// WebGPU, recording the autodiff graph and launching its kernels, which a faster GPU does
    /// not shorten.
    pub build_ms: f64,
    /// Compute dispatches and queue submits per step, counted where they enter WebGPU.
    pub dispatches: Option<f64>,
    pub submits: Option<f64>,
}

/// Messages from the page to the worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ToWorker {
    /// The page's URL query: choose the backend, load the dataset, train if `autostart`.
    Init {
        query: String,
    },
    /// Start a run with these settings (the form over the URL's).
    Train {
        query: String,
    },
    /// Stop the run after the batch in flight (or cut the evaluation / SVM fit short).
    Stop,
    /// Skip the rest of the run's evaluation (the test, the SVM fit): the model is kept as it
    /// is, untested. Unlike `Stop`, a training Stop that comes first does not clear it.
    SkipEvaluation,
    /// Load the dataset again after a failed attempt.
    Retry,
    /// Classify a picture: RGBA pixels, row-major.
    Classify {
        seq: u32,
        width: u32,
        height: u32,
        rgba: Bulk<u8>,
        /// A test image (28x28, the dataset's own format): classified as it is, without the
        /// sketch preprocessing, so the pad answers it as the test did.
        as_is: bool,
    },
    /// Replace the model with the one in this file (unless it is refused).
    LoadModel {
        bytes: Bulk<u8>,
        source: ModelSource,
        name: String,
    },
    /// Send the current model back as a file.
    SaveModel {
        purpose: SavePurpose,
    },
    /// A page of the training images of `class`, for the dataset explorer.
    Samples {
        class: u8,
        page: u32,
    },
    /// Add the picture (as [`ToWorker::Classify`] takes it) as an example of the class of
    /// one's own called `name`, made if new.
    AddExample {
        name: String,
        width: u32,
        height: u32,
        rgba: Bulk<u8>,
        as_is: bool,
    },
    RemoveClass {
        name: String,
    },
    /// Refit the SVM with the classes of one's own; `named`: the class named in the form.
    FitClasses {
        named: String,
    },
    /// Report memory use.
    Memory,
    Fault {
        kind: FaultKind,
    },
}

/// One training batch's numbers, for the curves.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainPoint {
    /// 1-based step of the run.
    pub step: u32,
    pub loss: f32,
    pub accuracy: f32,
}

/// A model's accuracy on images it is not trained on, measured during training.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct HeldOut {
    pub accuracy: f64,
    pub images: u32,
}

/// One row of a classification report.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportRow {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: u32,
}

/// A classification report: one row per class, then the macro and weighted averages.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub classes: Vec<ReportRow>,
    pub macro_avg: ReportRow,
    pub weighted_avg: ReportRow,
}

impl From<&crate::metrics::ClassificationReport> for Report {
    fn from(r: &crate::metrics::ClassificationReport) -> Self {
        let row = |c: &crate::metrics::ClassScores| ReportRow {
            precision: c.precision,
            recall: c.recall,
            f1: c.f1,
            support: c.support,
        };
        Report {
            classes: r.classes.iter().map(row).collect(),
            macro_avg: row(&r.macro_avg),
            weighted_avg: row(&r.weighted_avg),
        }
    }
}

/// The validation accuracy of one λ of the SVM's grid: the fit's own, sent as it is.
pub use crate::svm::LambdaScore;

/// Where the SVM fit is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SvmStage {
    /// Extracting the CNN's features of the training images.
    Features { done: u32, total: u32 },
    /// Mapping them for the kernel.
    Map { done: u32, total: u32 },
    /// Trying λ values on held-out training features; `scores` when a new one is in.
    Search { progress: f64, lambda: f64, scores: Option<Vec<LambdaScore>> },
    /// Fitting on all training features with the chosen λ.
    Final { progress: f64, lambda: f64, scores: Option<Vec<LambdaScore>> },
}

/// A stack of square maps (first-layer filters or activations), row-major per map.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MapStack {
    pub count: u32,
    pub side: u32,
    pub values: Bulk<f32>,
}

/// The SVM's answer to a picture.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SvmAnswer {
    pub class: u8,
    /// Margins, one per class.
    pub scores: Bulk<f32>,
}

/// The training images nearest to a picture in the CNN's feature space.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Neighbours {
    pub indices: Bulk<u32>,
    pub labels: Bulk<u8>,
    /// Cosine similarity of the centred features.
    pub similarity: Bulk<f32>,
    /// Their 28x28 images, one after another.
    pub images: Bulk<u8>,
    /// How many training images were searched.
    pub searched: u32,
}

/// The model's answer to a picture.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub cnn_class: u8,
    /// The CNN head's softmax probabilities.
    pub probabilities: Bulk<f32>,
    pub svm: Option<SvmAnswer>,
    /// The first layer's activation maps for this picture, and its filters.
    pub activations: MapStack,
    pub filters: MapStack,
    pub neighbours: Option<Neighbours>,
    /// Where the picture lands on the feature map (once there is one for this model).
    pub map_point: Option<[f32; 2]>,
    /// Worker time for the answer.
    pub millis: f64,
}

/// The answer to a [`ToWorker::Classify`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    pub seq: u32,
    /// The 28x28 image the model sees.
    pub image: Bulk<u8>,
    /// Nothing stands out from the background.
    pub empty: bool,
    /// The picture was dark on light and was inverted.
    pub inverted: bool,
    /// A closed outline was filled in.
    pub filled_outline: bool,
    /// `None` when there is no model (or the picture is empty).
    pub answer: Option<Answer>,
    pub has_model: bool,
}

/// What the model in use is, for the model panel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelDescription {
    pub arch: Arch,
    pub source: ModelSource,
    pub has_svm: bool,
    pub has_neighbours: bool,
    /// How it was trained (the settings query).
    pub settings: String,
    /// `page` or `fashion-train`.
    pub made_by: String,
    pub cnn_accuracy: Option<f64>,
    pub svm_accuracy: Option<f64>,
    pub test_images: u32,
    pub trained_images: u32,
}

/// The CNN's results on the test set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TestResult {
    pub cnn_accuracy: f64,
    pub test_count: u32,
    /// Rows are the true class, columns the predicted one.
    pub confusion: Vec<Vec<u32>>,
    pub report: Report,
    /// The evaluated test images (28x28 each), their labels and the CNN's answers.
    pub images: Bulk<u8>,
    pub labels: Bulk<u8>,
    pub predictions: Bulk<u8>,
    /// The CNN head's probability of its answer, per image.
    pub confidence: Bulk<f32>,
    /// One-vs-rest ROC and precision-recall curves, ranked by the CNN's probabilities.
    pub curves: OneVsRest,
}

/// The SVM's results on the test set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SvmResult {
    pub svm_accuracy: f64,
    pub lambda: f64,
    /// Human-readable kernel, e.g. "RBF (γ = 0.02, 1024 random Fourier features)".
    pub kernel: String,
    /// The λ search's validation scores; empty when λ was fixed by the settings.
    pub scores: Vec<LambdaScore>,
    pub confusion: Vec<Vec<u32>>,
    pub report: Report,
    pub predictions: Bulk<u8>,
    /// One-vs-rest curves, ranked by the SVM's margins.
    pub curves: OneVsRest,
    pub train_rows: u32,
    pub feature_seconds: f64,
    /// The workers that shared the training features' extraction (1: this one alone).
    pub feature_workers: u32,
    pub fit_seconds: f64,
}

/// Messages from the worker to the page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum FromWorker {
    /// The worker's own wasm arriving, `loaded` of `total` bytes (`None`: size not known).
    /// Posted by `web/worker.js` before any of the worker's Rust runs: the one message written
    /// outside Rust, in this externally tagged form (`tests/protocol.rs` checks that file).
    WasmDownload {
        loaded: f64,
        total: Option<f64>,
    },
    /// The worker listens: the page may post now (earlier messages are lost).
    Alive,
    Phase {
        phase: Phase,
        detail: String,
    },
    /// A fatal problem for the current work. `panic`: the worker cannot be trusted any more and
    /// is to be restarted; `retry`: the dataset download may be tried again.
    Error {
        message: String,
        panic: bool,
        retry: bool,
    },
    /// A problem worked around: shown, but work goes on.
    Warning {
        message: String,
    },
    /// The WebGPU device was lost.
    GpuLost {
        reason: String,
        message: String,
    },
    Backend {
        kind: BackendKind,
        label: String,
    },
    /// The workers the run in progress shares its steps over (`#backend[data-workers]`): sent
    /// at its start, and again when a helper is lost.
    Workers {
        count: u32,
    },
    /// Dataset download progress, in bytes.
    Download {
        loaded: f64,
        total: f64,
    },
    Dataset {
        train: u32,
        test: u32,
    },
    /// The dataset explorer's numbers, once the dataset is in.
    DatasetView(Box<DatasetView>),
    /// The answer to a [`ToWorker::Samples`].
    Samples(Box<SamplePage>),
    /// The test images' feature map, after the test.
    FeatureMap(Box<FeatureProjection>),
    /// The classes of one's own: names, example counts, whether the SVM in use knows them all.
    CustomClasses {
        names: Vec<String>,
        counts: Vec<u32>,
        fitted: bool,
    },
    /// An example or a fit was refused, or a fit failed.
    ClassError {
        message: String,
    },
    /// A fit's feature extraction.
    ClassProgress {
        done: u32,
        total: u32,
    },
    ClassesFitted(ClassesFitted),
    TrainStart {
        arch: Arch,
        epochs: u32,
        batches: u32,
        batches_per_epoch: u32,
    },
    Batch {
        epoch: u32,
        step: u32,
        points: Vec<TrainPoint>,
        images_per_second: f64,
        elapsed: f64,
        eta: f64,
    },
    Epoch {
        epoch: u32,
        step: u32,
        loss: f64,
        accuracy: f64,
        /// Accuracy on held-out images (the first test images) at the epoch's end.
        held_out: Option<HeldOut>,
    },
    /// A Stop was honoured (said in the progress line, not as an error).
    Stopped {
        message: String,
    },
    Trained {
        arch: Arch,
        images_per_second: f64,
        warm_images_per_second: Option<f64>,
        train_seconds: f64,
        train_images: u32,
        cost: StepCost,
    },
    EvalProgress {
        done: u32,
        total: u32,
    },
    /// The loaded model's features of the training images, for the nearest-neighbour search.
    IndexProgress {
        done: u32,
        total: u32,
    },
    TestResult(Box<TestResult>),
    SvmProgress(SvmStage),
    SvmResult(Box<SvmResult>),
    /// The model trained so far, kept by the page to restore a restarted worker.
    Checkpoint {
        step: u32,
        batches: u32,
        bytes: Bulk<u8>,
    },
    ModelReady(Box<ModelDescription>),
    ModelFile {
        purpose: SavePurpose,
        arch: Arch,
        bytes: Bulk<u8>,
    },
    /// A model file was refused (`source`: what was being loaded), or there is none to save.
    ModelError {
        source: Option<ModelSource>,
        message: String,
    },
    Prediction(Box<Prediction>),
    Heatmap {
        seq: u32,
        class: u8,
        heat: Bulk<f32>,
        image: Bulk<u8>,
        millis: f64,
    },
    /// `wasm_bytes` is the WebAssembly memory's size, which never shrinks; `heap_bytes` the
    /// part of it the worker's allocations hold now.
    Memory {
        wasm_bytes: f64,
        heap_bytes: f64,
        gpu_bytes: Option<f64>,
        gpu_buffers: Option<u32>,
    },
}

/// A message that did not decode: said in `#error`, never a panic.
#[derive(Clone, Debug, PartialEq)]
pub struct DecodeError(pub String);

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "A message between the page and the worker could not be read ({}); it was ignored. Reloading the page may help.",
            self.0
        )
    }
}

impl std::error::Error for DecodeError {}

/// A posted message's two parts: `{m: control, b: [typed arrays]}` (see [`js`]).
pub const CONTROL_KEY: &str = "m";
pub const BULK_KEY: &str = "b";
