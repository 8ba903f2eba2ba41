//! The settings as a URL query: parsed from the page's address (and the form's values over
//! it), and written back, so a model file says how it was trained.

use super::{BATCH_MAX, EPOCHS_MAX, LR_MAX, SVM_DIM_MAX, SVM_GAMMA_MAX, SVM_LAMBDA_MAX, Settings, WORKERS_MAX};
use crate::svm::Kernel;
use std::fmt;
use std::str::FromStr;

fn parse_num<T: FromStr>(key: &str, value: &str, what: &str) -> Result<T, String> {
    value.trim().parse().map_err(|_| format!("{key}=\"{value}\" is not {what}"))
}

fn positive(key: &str, value: &str) -> Result<usize, String> {
    match parse_num::<usize>(key, value, "a whole number")? {
        0 => Err(format!("{key} must be at least 1")),
        n => Ok(n),
    }
}

fn flag(key: &str, value: &str) -> Result<bool, String> {
    match value {
        "1" | "true" | "on" => Ok(true),
        "0" | "false" | "off" => Ok(false),
        _ => Err(format!("{key}=\"{value}\": use 1 or 0")),
    }
}

/// A number above 0 and at most `max`, checked in the type it is kept in: `1e-50` is above
/// zero as an `f64` but zero as an `f32`.
fn positive_real<T: FromStr + Into<f64> + Copy>(key: &str, value: &str, max: f64) -> Result<T, String> {
    let x: T = parse_num(key, value, "a number")?;
    let wide: f64 = x.into();
    if wide <= 0.0 || wide > max || !wide.is_finite() {
        return Err(format!("{key} must be a number above 0 and at most {max}"));
    }
    Ok(x)
}

/// Decodes `%XX` escapes and `+`; enough for the values this page takes.
fn url_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |c: u8| (c as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(hi), Some(lo)) => {
                        out.push((hi * 16 + lo) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A URL parameter that was not taken, and why (the reason names the parameter).
#[derive(Clone, Debug, PartialEq)]
pub struct SettingError {
    pub key: String,
    pub reason: String,
}

impl fmt::Display for SettingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.reason)
    }
}

impl std::error::Error for SettingError {}

impl SettingError {
    /// What the page says when it goes on without this parameter.
    pub fn ignored(&self) -> String {
        let default = Settings::default().to_query();
        let value = default.split('&').find_map(|p| p.strip_prefix(self.key.as_str())?.strip_prefix('='));
        match value {
            Some(v) => {
                format!("URL parameter ignored: {}. The default, {}={}, is used.", self.reason, self.key, url_decode(v))
            }
            None => format!("URL parameter ignored: {}. The default is used.", self.reason),
        }
    }

    /// What the page says of all the parameters it went on without, if any.
    pub fn all_ignored(refused: &[SettingError]) -> Option<String> {
        (!refused.is_empty()).then(|| refused.iter().map(SettingError::ignored).collect::<Vec<_>>().join(" "))
    }
}

/// The kernel's parts may come in any order; they are put together at the end.
#[derive(Clone, Default)]
struct KernelParts {
    kernel: Option<String>,
    dim: Option<usize>,
    gamma: Option<f32>,
}

/// The keys of the training and SVM settings: what a run's record keeps and a sweep may vary
/// (not `backend`, `model`, `autostart` or `data`, which say where and how the page runs).
pub const RUN_KEYS: &[&str] = &[
    "arch",
    "epochs",
    "batch",
    "lr",
    "lr_decay",
    "warmup",
    "smoothing",
    "wd",
    "augment",
    "shift",
    "sketch_aug",
    "train_limit",
    "test_limit",
    "seed",
    "svm_kernel",
    "svm_dim",
    "svm_gamma",
    "svm_lambda",
    "svm_epochs",
    "svm_average",
];

/// Sets what `key=value` says, or says why not.
fn apply(s: &mut Settings, parts: &mut KernelParts, key: &str, value: String) -> Result<(), String> {
    let t = &mut s.train;
    match key {
        "backend" => s.backend = value.parse()?,
        "workers" => {
            let n = positive(key, &value)?;
            if n > WORKERS_MAX {
                return Err(format!("workers must be at most {WORKERS_MAX}"));
            }
            s.workers = Some(n);
        }
        "model" => s.model = value.parse()?,
        "autostart" => s.autostart = flag(key, &value)?,
        "data" => {
            if value.is_empty() {
                return Err("data= needs a URL".into());
            }
            s.data_url = if value.ends_with('/') { value } else { format!("{value}/") };
        }
        "svm_lambda" => s.svm.lambda = Some(positive_real(key, &value, SVM_LAMBDA_MAX)?),
        "svm_kernel" => {
            if !matches!(value.as_str(), "rbf" | "linear") {
                return Err(format!("unknown svm_kernel \"{value}\": use rbf or linear"));
            }
            parts.kernel = Some(value);
        }
        "svm_dim" => {
            let d = positive(key, &value)?;
            if d > SVM_DIM_MAX {
                return Err(format!("svm_dim must be at most {SVM_DIM_MAX}"));
            }
            parts.dim = Some(d);
        }
        "svm_gamma" => parts.gamma = Some(positive_real::<f32>(key, &value, SVM_GAMMA_MAX)?),
        "svm_epochs" => s.svm.pegasos.epochs = positive(key, &value)?.min(1000),
        "svm_average" => s.svm.pegasos.average = flag(key, &value)?,
        "arch" => t.arch = value.parse()?,
        "epochs" => t.epochs = positive(key, &value)?.min(EPOCHS_MAX),
        "batch" => {
            t.batch_size = positive(key, &value)?;
            if t.batch_size > BATCH_MAX {
                return Err(format!("batch must be at most {BATCH_MAX}"));
            }
        }
        "lr" => t.lr = positive_real(key, &value, LR_MAX)?,
        "augment" => t.augment = flag(key, &value)?,
        "sketch_aug" => t.sketch_aug = share(key, &value, 1.0)?,
        "lr_decay" => t.lr_decay = flag(key, &value)?,
        "shift" => t.shift = flag(key, &value)?,
        "warmup" => t.warmup = share(key, &value, 0.5)?,
        "smoothing" => t.smoothing = share(key, &value, 0.5)?,
        "wd" => t.weight_decay = share(key, &value, 1.0)?,
        "train_limit" => t.train_limit = Some(positive(key, &value)?),
        "test_limit" => t.test_limit = Some(positive(key, &value)?),
        "seed" => t.seed = parse_num(key, &value, "a whole number")?,
        _ => {}
    }
    Ok(())
}

/// A number from 0 to `max`, in the type it is kept in.
fn share<T: FromStr + Into<f64> + Copy>(key: &str, value: &str, max: f64) -> Result<T, String> {
    let between = format!("a number between 0 and {max}");
    let x: T = parse_num(key, value, &between)?;
    if !(0.0..=max).contains(&x.into()) {
        return Err(format!("{key} must be between 0 and {max}, not {value}"));
    }
    Ok(x)
}

impl Settings {
    /// Parses a query string (with or without the leading `?`). Unknown keys are ignored so
    /// other tools can add their own; the first known key with a bad value is the error (the
    /// native command's way: it stops rather than train with settings it was not given).
    pub fn from_query(query: &str) -> Result<Self, SettingError> {
        let (settings, mut refused) = Self::from_query_lenient(query);
        if refused.is_empty() { Ok(settings) } else { Err(refused.remove(0)) }
    }

    /// The page's way: every good parameter is taken, every bad one is left at its default
    /// and returned, so one mistyped value never leaves the page without a worker.
    pub fn from_query_lenient(query: &str) -> (Self, Vec<SettingError>) {
        let mut s = Settings::default();
        let mut parts = KernelParts::default();
        let mut refused = Vec::new();
        let query = query.strip_prefix('?').unwrap_or(query);
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let (key, value) = (url_decode(key), url_decode(value));
            // A refused value leaves nothing behind (some checks come after the assignment).
            let (before, parts_before) = (s.clone(), parts.clone());
            if let Err(reason) = apply(&mut s, &mut parts, &key, value) {
                (s, parts) = (before, parts_before);
                refused.push(SettingError { key, reason });
            }
        }
        s.svm.kernel = match parts.kernel.as_deref() {
            Some("linear") => Kernel::Linear,
            _ => Kernel::Rbf {
                dim: parts.dim.unwrap_or(Kernel::DEFAULT_RBF_DIM),
                gamma: parts.gamma.unwrap_or(Kernel::DEFAULT_GAMMA),
            },
        };
        s.svm.pegasos.seed = s.train.seed;
        (s, refused)
    }
}

/// Percent-encodes all but the unreserved characters (and `/`, `:` for readable URLs), so
/// [`url_decode`] gives the value back: `+`, `&`, `=` and `%` included.
fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/:".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Settings {
    /// The query that [`Settings::from_query`] reads back as these settings. Every setting the
    /// query can carry is written, so it says how a run was set up whatever the defaults become.
    pub fn to_query(&self) -> String {
        let t = &self.train;
        let flag = |b: bool| if b { "1" } else { "0" }.to_string();
        let mut pairs: Vec<(&str, String)> = vec![
            ("backend", self.backend.name().into()),
            ("model", self.model.name().into()),
            ("autostart", flag(self.autostart)),
            ("data", self.data_url.clone()),
            ("arch", t.arch.name().into()),
            ("epochs", t.epochs.to_string()),
            ("batch", t.batch_size.to_string()),
            ("lr", t.lr.to_string()),
            ("lr_decay", flag(t.lr_decay)),
            ("warmup", t.warmup.to_string()),
            ("smoothing", t.smoothing.to_string()),
            ("wd", t.weight_decay.to_string()),
            ("augment", flag(t.augment)),
            ("shift", flag(t.shift)),
            ("sketch_aug", t.sketch_aug.to_string()),
        ];
        pairs.extend(self.workers.map(|n| ("workers", n.to_string())));
        pairs.extend(t.train_limit.map(|n| ("train_limit", n.to_string())));
        pairs.extend(t.test_limit.map(|n| ("test_limit", n.to_string())));
        pairs.push(("seed", t.seed.to_string()));
        pairs.push(("svm_kernel", self.svm.kernel.name().into()));
        if let Kernel::Rbf { dim, gamma } = self.svm.kernel {
            pairs.push(("svm_dim", dim.to_string()));
            pairs.push(("svm_gamma", gamma.to_string()));
        }
        pairs.extend(self.svm.lambda.map(|l| ("svm_lambda", l.to_string())));
        pairs.push(("svm_epochs", self.svm.pegasos.epochs.to_string()));
        pairs.push(("svm_average", flag(self.svm.pegasos.average)));
        pairs.iter().map(|(k, v)| format!("{k}={}", url_encode(v))).collect::<Vec<_>>().join("&")
    }
}
