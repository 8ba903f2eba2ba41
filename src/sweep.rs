//! A grid search: `sweep=lr:0.001|0.003;batch:32|64` names value lists of training or SVM
//! settings; the page trains once per combination, with the rest of the settings as given.

use std::fmt;

use crate::settings::{RUN_KEYS, SettingError, Settings};

/// The most combinations a sweep may have: at a quick run's ~15 s each, 64 are a quarter of an
/// hour on a laptop's CPU.
pub const MAX_COMBINATIONS: usize = 64;

/// The URL parameter that holds a sweep.
pub const KEY: &str = "sweep";

/// One setting and the values it takes.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    pub key: String,
    pub values: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Sweep {
    pub axes: Vec<Axis>,
}

/// Why a sweep was refused.
#[derive(Clone, Debug, PartialEq)]
pub enum SweepError {
    Empty,
    /// A part without `key:values`.
    Malformed(String),
    UnknownKey(String),
    Duplicate(String),
    NoValues(String),
    BadValue(SettingError),
    TooMany {
        combinations: usize,
    },
}

impl fmt::Display for SweepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let form = "write it as key:value|value;key:value|value, e.g. lr:0.001|0.003;batch:32|64";
        match self {
            SweepError::Empty => write!(f, "The sweep is empty: {form}."),
            SweepError::Malformed(part) => write!(f, "The sweep's part \"{part}\" has no key: {form}."),
            SweepError::UnknownKey(key) => {
                write!(
                    f,
                    "The sweep names \"{key}\", which is not a training or SVM setting: use one of {}.",
                    RUN_KEYS.join(", ")
                )
            }
            SweepError::Duplicate(key) => write!(f, "The sweep names {key} twice: give all its values in one list."),
            SweepError::NoValues(key) => write!(f, "The sweep gives {key} no values: {form}."),
            SweepError::BadValue(e) => write!(f, "The sweep has a value that cannot be used: {e}."),
            SweepError::TooMany { combinations } => write!(
                f,
                "The sweep has {combinations} combinations, more than the {MAX_COMBINATIONS} allowed: give fewer values."
            ),
        }
    }
}

impl std::error::Error for SweepError {}

impl Sweep {
    pub fn parse(spec: &str) -> Result<Self, SweepError> {
        let mut axes: Vec<Axis> = Vec::new();
        for part in spec.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, values) = part.split_once(':').ok_or_else(|| SweepError::Malformed(part.into()))?;
            let key = key.trim();
            if key.is_empty() {
                return Err(SweepError::Malformed(part.into()));
            }
            if !RUN_KEYS.contains(&key) {
                return Err(SweepError::UnknownKey(key.into()));
            }
            if axes.iter().any(|a| a.key == key) {
                return Err(SweepError::Duplicate(key.into()));
            }
            let values: Vec<String> =
                values.split('|').map(str::trim).filter(|v| !v.is_empty()).map(String::from).collect();
            if values.is_empty() {
                return Err(SweepError::NoValues(key.into()));
            }
            for v in &values {
                Settings::from_query(&format!("{key}={v}")).map_err(SweepError::BadValue)?;
            }
            axes.push(Axis { key: key.into(), values });
        }
        if axes.is_empty() {
            return Err(SweepError::Empty);
        }
        let sweep = Sweep { axes };
        let combinations = sweep.len();
        if combinations > MAX_COMBINATIONS {
            return Err(SweepError::TooMany { combinations });
        }
        Ok(sweep)
    }

    /// How many runs the sweep makes (saturating, so a huge spec is refused, not overflowed).
    pub fn len(&self) -> usize {
        self.axes.iter().fold(1usize, |n, a| n.saturating_mul(a.values.len()))
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every combination, the first axis changing slowest: `(key, value)` per axis.
    pub fn combinations(&self) -> Vec<Vec<(String, String)>> {
        let mut out: Vec<Vec<(String, String)>> = vec![Vec::new()];
        for axis in &self.axes {
            out = out
                .into_iter()
                .flat_map(|combo| {
                    axis.values.iter().map(move |v| {
                        let mut c = combo.clone();
                        c.push((axis.key.clone(), v.clone()));
                        c
                    })
                })
                .collect();
        }
        out
    }
}

/// The query of one run of a sweep: `base` without the sweep, `autostart` or any key the
/// combination sets, then the combination.
pub fn run_query(base: &str, combination: &[(String, String)]) -> String {
    let drop = |k: &str| k == KEY || k == "autostart" || combination.iter().any(|(c, _)| c == k);
    let mut pairs: Vec<String> = base
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty() && !drop(p.split('=').next().unwrap_or("")))
        .map(String::from)
        .collect();
    pairs.extend(combination.iter().map(|(k, v)| format!("{k}={v}")));
    pairs.join("&")
}

/// A combination as the page shows it: "lr=0.001, batch=32".
pub fn label(combination: &[(String, String)]) -> String {
    combination.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_the_product_first_axis_slowest() {
        let s = Sweep::parse("lr:0.001|0.003;batch:32|64|128").unwrap();
        assert_eq!(s.len(), 6);
        let combos: Vec<String> = s.combinations().iter().map(|c| label(c)).collect();
        assert_eq!(
            combos,
            [
                "lr=0.001, batch=32",
                "lr=0.001, batch=64",
                "lr=0.001, batch=128",
                "lr=0.003, batch=32",
                "lr=0.003, batch=64",
                "lr=0.003, batch=128"
            ]
        );
        assert_eq!(Sweep::parse(" svm_lambda : 1e-5 | 1e-4 ").unwrap().combinations().len(), 2);
    }

    #[test]
    fn a_run_query_keeps_the_rest_and_replaces_the_swept() {
        let combo = vec![("lr".to_string(), "0.003".to_string())];
        let q = run_query("?epochs=1&lr=0.01&sweep=lr:0.001|0.003&autostart=1&train_limit=500", &combo);
        assert_eq!(q, "epochs=1&train_limit=500&lr=0.003");
        assert_eq!(Settings::from_query(&q).unwrap().train.lr, 0.003);
    }

    #[test]
    fn every_run_key_is_one_the_settings_read() {
        // A key the parser does not know is ignored, junk and all; every known one refuses it.
        for key in RUN_KEYS {
            assert!(Settings::from_query(&format!("{key}=§")).is_err(), "{key}");
        }
    }

    #[test]
    fn bad_sweeps_are_refused_with_the_reason() {
        let err = |s: &str| Sweep::parse(s).unwrap_err();
        assert_eq!(err(""), SweepError::Empty);
        assert_eq!(err("lr"), SweepError::Malformed("lr".into()));
        assert_eq!(err("colour:red"), SweepError::UnknownKey("colour".into()));
        assert_eq!(err("backend:cpu|webgpu"), SweepError::UnknownKey("backend".into()));
        assert_eq!(err("lr:0.1;lr:0.2"), SweepError::Duplicate("lr".into()));
        assert_eq!(err("lr:|"), SweepError::NoValues("lr".into()));
        assert!(matches!(err("lr:fast"), SweepError::BadValue(e) if e.key == "lr"));
        // 4 · 4 · 5 = 80 > 64.
        let too_many = err("lr:1|2|3|4;batch:1|2|3|4;epochs:1|2|3|4|5");
        assert_eq!(too_many, SweepError::TooMany { combinations: 80 });
        assert!(too_many.to_string().contains("64"), "{too_many}");
        assert!(Sweep::parse("lr:1|2|3|4;batch:1|2|3|4;epochs:1|2|3|4").is_ok());
    }
}
