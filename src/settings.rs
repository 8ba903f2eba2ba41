//! Run settings: what a run and the page can be told, the form that shows them with their
//! limits, and (in `query`) their URL form (`?arch=three-conv&epochs=2`). Invalid values are
//! errors with a message meant for the user, never silently replaced.

use crate::arch::Arch;
use crate::dataset::{TEST_COUNT, TRAIN_COUNT};
use crate::glossary;
use crate::svm::SvmOptions;
use std::str::FromStr;

/// Which compute backend to train on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum BackendChoice {
    /// WebGPU when the browser gives an adapter, else the CPU.
    #[default]
    Auto,
    WebGpu,
    /// The CPU with Burn's flex backend.
    Cpu,
    /// The CPU with Burn's ndarray backend (to compare; flex is faster: README "Speed").
    NdArray,
}

impl BackendChoice {
    /// The value `backend=` takes for this choice.
    pub fn name(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::WebGpu => "webgpu",
            Self::Cpu => "cpu",
            Self::NdArray => "ndarray",
        }
    }
}

impl FromStr for BackendChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(Self::Auto),
            "webgpu" => Ok(Self::WebGpu),
            "cpu" => Ok(Self::Cpu),
            "ndarray" => Ok(Self::NdArray),
            _ => Err(format!("unknown backend \"{s}\": use auto, webgpu, cpu or ndarray")),
        }
    }
}

/// Whether to start from the model shipped with the page or from scratch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ModelChoice {
    #[default]
    Pretrained,
    None,
}

impl ModelChoice {
    /// The value `model=` takes for this choice.
    pub fn name(self) -> &'static str {
        match self {
            Self::Pretrained => "pretrained",
            Self::None => "none",
        }
    }
}

impl FromStr for ModelChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pretrained" => Ok(Self::Pretrained),
            "none" => Ok(Self::None),
            _ => Err(format!("unknown model \"{s}\": use pretrained or none")),
        }
    }
}

/// Hyperparameters of one training run.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainSettings {
    pub arch: Arch,
    pub epochs: usize,
    pub batch_size: usize,
    pub lr: f64,
    /// Anneal the learning rate to zero over the run (cosine); `lr_decay=0` keeps it constant.
    pub lr_decay: bool,
    /// Share of the run's steps over which the learning rate climbs linearly from zero to
    /// `lr` before the decay starts.
    pub warmup: f64,
    /// Label smoothing of the cross-entropy targets (0 = none).
    pub smoothing: f32,
    /// Decoupled weight decay (AdamW); 0 = plain Adam.
    pub weight_decay: f32,
    pub augment: bool,
    /// Random shifts without the horizontal flips of `augment`.
    pub shift: bool,
    /// Share of training images replaced by a made-up picture of them (a photo, a silhouette or
    /// an outline, prepared as the pad prepares one), so the model also knows the pictures
    /// people give the pad; `sketch_aug=0` turns it off.
    pub sketch_aug: f64,
    pub train_limit: Option<usize>,
    pub test_limit: Option<usize>,
    pub seed: u64,
}

impl TrainSettings {
    pub fn augmentation(&self) -> crate::augment::Augmentation {
        crate::augment::Augmentation { shift: self.augment || self.shift, flip: self.augment, sketch: self.sketch_aug }
    }
}

impl Default for TrainSettings {
    fn default() -> Self {
        Self {
            arch: Arch::default(),
            epochs: 6,
            batch_size: 32,
            lr: 2e-3,
            lr_decay: true,
            warmup: 0.1,
            smoothing: 0.1,
            weight_decay: 0.05,
            augment: false,
            shift: false,
            sketch_aug: 0.0,
            train_limit: None,
            test_limit: None,
            seed: 42,
        }
    }
}

/// Everything the URL can set.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub backend: BackendChoice,
    /// Web Workers a CPU run's steps are shared over (`None`: [`Settings::workers_for`] the
    /// browser's core count). WebGPU runs use one.
    pub workers: Option<usize>,
    pub model: ModelChoice,
    pub autostart: bool,
    pub data_url: String,
    pub train: TrainSettings,
    pub svm: SvmOptions,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            backend: BackendChoice::Auto,
            workers: None,
            model: ModelChoice::Pretrained,
            autostart: false,
            data_url: "./data/".to_string(),
            train: TrainSettings::default(),
            svm: SvmOptions::default(),
        }
    }
}

/// Limits of the settings the form shows; the parser enforces them and the form's inputs carry
/// them as `min`/`max`, so they are written down here only.
pub const EPOCHS_MAX: usize = 1000;
pub const BATCH_MAX: usize = 4096;
pub const LR_MAX: f64 = 100.0;
pub const SVM_DIM_MAX: usize = 8192;
pub const SVM_GAMMA_MAX: f64 = 1e3;
pub const SVM_LAMBDA_MAX: f64 = 1e3;
/// At most this many CPU workers when the count is not given: a shard per core, and past 8 the
/// shards of a batch of 32 are too small to keep a core busy.
pub const WORKERS_DEFAULT_MAX: usize = 8;
pub const WORKERS_MAX: usize = 16;

impl Settings {
    /// The CPU workers a run uses on a browser that reports `cores` logical cores.
    pub fn workers_for(&self, cores: usize) -> usize {
        self.workers.unwrap_or(cores.clamp(1, WORKERS_DEFAULT_MAX))
    }
}

/// How a form field takes its value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FieldKind {
    /// One of the listed values (a `<select>`).
    Choice(&'static [&'static str]),
    /// A whole number in `min..=max`.
    Whole { min: usize, max: usize },
    /// A number in `min..=max` (`min` is exclusive for the positive reals).
    Real { min: f64, max: f64 },
    /// A check box: `1` or `0`.
    Flag,
}

/// One field of the page's training form: its URL key (also the input's id and name), label,
/// kind, the placeholder shown when empty, and a one-line explanation (the tooltip).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Field {
    pub key: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    pub placeholder: &'static str,
    pub help: &'static str,
    /// Shown under "Advanced", not beside the presets.
    pub advanced: bool,
}

const ARCH_NAMES: [&str; 3] = [Arch::ALL[0].name(), Arch::ALL[1].name(), Arch::ALL[2].name()];

/// The training form, in order. Every key is one `from_query` reads.
pub const FORM: &[Field] = &[
    Field {
        key: "arch",
        label: "Model",
        kind: FieldKind::Choice(&ARCH_NAMES),
        placeholder: "",
        help: "The network to train",
        advanced: false,
    },
    Field {
        key: "epochs",
        label: "Epochs",
        kind: FieldKind::Whole { min: 1, max: EPOCHS_MAX },
        placeholder: "",
        help: glossary::EPOCH,
        advanced: false,
    },
    Field {
        key: "batch",
        label: "Batch",
        kind: FieldKind::Whole { min: 1, max: BATCH_MAX },
        placeholder: "",
        help: glossary::BATCH,
        advanced: true,
    },
    Field {
        key: "lr",
        label: "Learning rate",
        kind: FieldKind::Real { min: 0.0, max: LR_MAX },
        placeholder: "",
        help: glossary::LEARNING_RATE,
        advanced: true,
    },
    Field {
        key: "train_limit",
        label: "Train images",
        kind: FieldKind::Whole { min: 1, max: TRAIN_COUNT },
        placeholder: "all 60,000",
        help: "Train on the first N training images only",
        advanced: true,
    },
    Field {
        key: "test_limit",
        label: "Test images",
        kind: FieldKind::Whole { min: 1, max: TEST_COUNT },
        placeholder: "all 10,000",
        help: "Evaluate on the first N test images only",
        advanced: true,
    },
    Field {
        key: "augment",
        label: "Augment (shifts, flips)",
        kind: FieldKind::Flag,
        placeholder: "",
        help: glossary::AUGMENT,
        advanced: true,
    },
    Field {
        key: "sketch_aug",
        label: "Sketch share",
        kind: FieldKind::Real { min: 0.0, max: 1.0 },
        placeholder: "",
        help: "Share of training images replaced by a made-up photo, silhouette or outline of the item, prepared as the pad prepares pictures, so the model also knows drawings and photos",
        advanced: true,
    },
    Field {
        key: "workers",
        label: "CPU workers",
        kind: FieldKind::Whole { min: 1, max: WORKERS_MAX },
        placeholder: "one per core, at most 8",
        help: "Web Workers that share each batch on the CPU (each computes the gradients of its part; one update): more cores, more speed. 1 trains in one worker",
        advanced: true,
    },
    Field {
        key: "svm_kernel",
        label: "SVM kernel",
        kind: FieldKind::Choice(&["rbf", "linear"]),
        placeholder: "",
        help: glossary::RBF,
        advanced: true,
    },
    Field {
        key: "svm_dim",
        label: "Fourier features",
        kind: FieldKind::Whole { min: 1, max: SVM_DIM_MAX },
        placeholder: "",
        help: glossary::FOURIER,
        advanced: true,
    },
    Field {
        key: "svm_gamma",
        label: "RBF γ",
        kind: FieldKind::Real { min: 0.0, max: SVM_GAMMA_MAX },
        placeholder: "",
        help: "Width of the RBF kernel",
        advanced: true,
    },
    Field {
        key: "svm_lambda",
        label: "SVM λ",
        kind: FieldKind::Real { min: 0.0, max: SVM_LAMBDA_MAX },
        placeholder: "auto (validation)",
        help: glossary::LAMBDA,
        advanced: true,
    },
];

/// A named set of form values: the fields it names take its values, every other field its
/// default, so a preset always means the same run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Preset {
    pub key: &'static str,
    /// The button's text, with the time measured here (README, "Measured").
    pub label: &'static str,
    pub about: &'static str,
    pub values: &'static [(&'static str, &'static str)],
}

/// The presets the form offers, quickest first.
pub const PRESETS: &[Preset] = &[
    Preset {
        key: "quick",
        label: "Quick, ~15 s",
        about: "One epoch on 6,000 training images, tested on 2,000: about 84 % in fifteen seconds.",
        values: &[("epochs", "1"), ("train_limit", "6000"), ("test_limit", "2000")],
    },
    Preset {
        key: "full",
        label: "Full, ~10 min",
        about: "The default run: 6 epochs on all 60,000 training images, tested on all 10,000 (about 93 %).",
        values: &[],
    },
];

impl Preset {
    /// The value the form's field `key` takes under this preset.
    pub fn value(&self, key: &str) -> String {
        match self.values.iter().find(|(k, _)| *k == key) {
            Some((_, v)) => (*v).to_string(),
            None => Settings::default().form_value(key),
        }
    }

    /// Whether the form, read by `current(key)`, holds exactly this preset.
    pub fn matches(&self, current: impl Fn(&str) -> String) -> bool {
        FORM.iter().all(|f| current(f.key) == self.value(f.key))
    }
}

impl Settings {
    /// Whether any field under "Advanced" differs from its default (the page opens it then).
    pub fn has_advanced(&self) -> bool {
        let default = Settings::default();
        FORM.iter().any(|f| f.advanced && self.form_value(f.key) != default.form_value(f.key))
    }

    /// The value `key` of [`FORM`] has in these settings, as the form shows it ("" = unset).
    pub fn form_value(&self, key: &str) -> String {
        let t = &self.train;
        let opt = |v: Option<usize>| v.map_or(String::new(), |n| n.to_string());
        match key {
            "arch" => t.arch.name().to_string(),
            "epochs" => t.epochs.to_string(),
            "batch" => t.batch_size.to_string(),
            "lr" => t.lr.to_string(),
            "train_limit" => opt(t.train_limit),
            "test_limit" => opt(t.test_limit),
            "augment" => if t.augment { "1" } else { "0" }.to_string(),
            "sketch_aug" => t.sketch_aug.to_string(),
            "workers" => opt(self.workers),
            "svm_kernel" => self.svm.kernel.name().to_string(),
            "svm_dim" => self.svm.kernel.rbf_params().0.to_string(),
            "svm_gamma" => self.svm.kernel.rbf_params().1.to_string(),
            "svm_lambda" => self.svm.lambda.map_or(String::new(), |l| l.to_string()),
            _ => String::new(),
        }
    }
}

mod query;
pub use query::{RUN_KEYS, SettingError};
