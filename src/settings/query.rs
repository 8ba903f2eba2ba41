//! The settings as a URL query: parsed from the page's address (and the form's values over
//! it), and written back, so a model file says how it was trained.

use super::{BATCH_MAX, EPOCHS_MAX, LR_MAX, SVM_DIM_MAX, SVM_GAMMA_MAX, SVM_LAMBDA_MAX, Settings};
use crate::svm::Kernel;
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

impl Settings {
    /// Parses a query string (with or without the leading `?`). Unknown keys are ignored so
    /// other tools can add their own; a known key with a bad value is an error.
    pub fn from_query(query: &str) -> Result<Self, String> {
        let mut s = Settings::default();
        let query = query.strip_prefix('?').unwrap_or(query);
        // The kernel's parts may come in any order; they are put together at the end.
        let (mut kernel, mut rbf_dim, mut gamma) = (None::<String>, None, None);
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let (key, value) = (url_decode(key), url_decode(value));
            let t = &mut s.train;
            match key.as_str() {
                "backend" => s.backend = value.parse()?,
                "model" => s.model = value.parse()?,
                "autostart" => s.autostart = flag(&key, &value)?,
                "data" => {
                    if value.is_empty() {
                        return Err("data= needs a URL".into());
                    }
                    s.data_url = if value.ends_with('/') { value } else { format!("{value}/") };
                }
                "svm_lambda" => s.svm.lambda = Some(positive_real(&key, &value, SVM_LAMBDA_MAX)?),
                "svm_kernel" => kernel = Some(value),
                "svm_dim" => {
                    let d = positive(&key, &value)?;
                    if d > SVM_DIM_MAX {
                        return Err(format!("svm_dim must be at most {SVM_DIM_MAX}"));
                    }
                    rbf_dim = Some(d);
                }
                "svm_gamma" => gamma = Some(positive_real::<f32>(&key, &value, SVM_GAMMA_MAX)?),
                "svm_epochs" => s.svm.pegasos.epochs = positive(&key, &value)?.min(1000),
                "svm_average" => s.svm.pegasos.average = flag(&key, &value)?,
                "arch" => t.arch = value.parse()?,
                "epochs" => t.epochs = positive(&key, &value)?.min(EPOCHS_MAX),
                "batch" => {
                    t.batch_size = positive(&key, &value)?;
                    if t.batch_size > BATCH_MAX {
                        return Err(format!("batch must be at most {BATCH_MAX}"));
                    }
                }
                "lr" => t.lr = positive_real(&key, &value, LR_MAX)?,
                "augment" => t.augment = flag(&key, &value)?,
                "sketch_aug" => {
                    t.sketch_aug = parse_num(&key, &value, "a share between 0 and 1")?;
                    if !(0.0..=1.0).contains(&t.sketch_aug) {
                        return Err(format!("sketch_aug must be between 0 and 1, not {value}"));
                    }
                }
                "lr_decay" => t.lr_decay = flag(&key, &value)?,
                "shift" => t.shift = flag(&key, &value)?,
                "warmup" => {
                    t.warmup = parse_num(&key, &value, "a share between 0 and 0.5")?;
                    if !(0.0..=0.5).contains(&t.warmup) {
                        return Err(format!("warmup must be between 0 and 0.5, not {value}"));
                    }
                }
                "smoothing" => {
                    t.smoothing = parse_num(&key, &value, "a number between 0 and 0.5")?;
                    if !(0.0..=0.5).contains(&t.smoothing) {
                        return Err(format!("smoothing must be between 0 and 0.5, not {value}"));
                    }
                }
                "wd" => {
                    t.weight_decay = parse_num(&key, &value, "a number between 0 and 1")?;
                    if !(0.0..=1.0).contains(&t.weight_decay) {
                        return Err(format!("wd must be between 0 and 1, not {value}"));
                    }
                }
                "train_limit" => t.train_limit = Some(positive(&key, &value)?),
                "test_limit" => t.test_limit = Some(positive(&key, &value)?),
                "seed" => t.seed = parse_num(&key, &value, "a whole number")?,
                _ => {}
            }
        }
        s.svm.kernel = match kernel.as_deref() {
            None | Some("rbf") => Kernel::Rbf {
                dim: rbf_dim.unwrap_or(Kernel::DEFAULT_RBF_DIM),
                gamma: gamma.unwrap_or(Kernel::DEFAULT_GAMMA),
            },
            Some("linear") => Kernel::Linear,
            Some(other) => return Err(format!("unknown svm_kernel \"{other}\": use rbf or linear")),
        };
        s.svm.pegasos.seed = s.train.seed;
        Ok(s)
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
