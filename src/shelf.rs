//! The models kept in this browser, as a list the user picks from: which one a new run is
//! measured against, and which to drop when the list is full. The page keeps the bytes
//! (IndexedDB); this is the part that needs no browser.
//!
//! A run that tests worse than the model it replaced is kept and used, since the user just
//! trained it, but never silently: the page says it is weaker and offers the better one back,
//! which stays on the list.

use crate::model_file::ModelInfo;

/// Kept models at most; beyond it the oldest go, never the one in use nor the best.
pub const MAX_KEPT: usize = 6;

/// The storage key of a model kept at `saved_at` (ms since 1970).
pub fn key_for(saved_at: f64) -> String {
    format!("kept-{saved_at:.0}")
}

/// The figure models are compared by: CNN + SVM when there is one (what the pad shows first),
/// else the CNN's own head. `None` for a model never tested.
pub fn score(info: &ModelInfo) -> Option<f64> {
    info.svm_accuracy.or(info.cnn_accuracy).filter(|a| a.is_finite())
}

/// How a new model compares with the one in use before it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Verdict {
    /// Tests at least as well, or there was nothing to compare with.
    NotWorse,
    /// Tests below the previous model: `new` and `old` are their scores.
    Weaker { new: f64, old: f64 },
    /// The previous model has a score and the new one has none (stopped before its test).
    Untested { old: f64 },
}

pub fn compare(new: &ModelInfo, old: Option<&ModelInfo>) -> Verdict {
    let Some(old) = old.and_then(score) else { return Verdict::NotWorse };
    match score(new) {
        None => Verdict::Untested { old },
        Some(new) if new < old => Verdict::Weaker { new, old },
        Some(_) => Verdict::NotWorse,
    }
}

/// One kept model as the list knows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: String,
    pub saved_at: f64,
    pub info: ModelInfo,
}

/// The keys to delete so that at most [`MAX_KEPT`] stay: the oldest first, sparing the one in
/// use and the best-scoring one.
pub fn to_evict(entries: &[Entry], in_use: Option<&str>) -> Vec<String> {
    let best = entries
        .iter()
        .filter_map(|e| score(&e.info).map(|s| (s, e)))
        .max_by(|a, b| a.0.total_cmp(&b.0).then(a.1.saved_at.total_cmp(&b.1.saved_at)))
        .map(|(_, e)| e.key.as_str());
    let mut spare: Vec<&Entry> =
        entries.iter().filter(|e| Some(e.key.as_str()) != in_use && Some(e.key.as_str()) != best).collect();
    spare.sort_by(|a, b| a.saved_at.total_cmp(&b.saved_at));
    let excess = entries.len().saturating_sub(MAX_KEPT);
    spare.into_iter().take(excess).map(|e| e.key.clone()).collect()
}

/// The list newest first, as the page shows it.
pub fn newest_first(mut entries: Vec<Entry>) -> Vec<Entry> {
    entries.sort_by(|a, b| b.saved_at.total_cmp(&a.saved_at));
    entries
}
