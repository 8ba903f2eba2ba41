//! The answer's bars: the five highest classes, longest first. Probabilities are drawn to
//! scale; SVM scores (margins, any sign) relative to the lowest of the ten.

use super::format::to_fixed;

/// How many classes get a bar.
pub const TOP: usize = 5;

/// How the values map to bar lengths.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// 0..1 is the whole track.
    Probability,
    /// The lowest value to the highest is the whole track.
    Relative,
}

/// One bar: the class, its value, and its length in percent of the track (at least 1, so
/// that even the smallest shows).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bar {
    pub class: usize,
    pub value: f64,
    pub width: f64,
}

impl Bar {
    /// The length as a CSS width.
    pub fn css_width(&self) -> String {
        format!("{}%", self.width)
    }
}

/// The [`TOP`] highest `values` (ties in class order) as bars on `scale`.
pub fn top_bars(values: &[f32], scale: Scale) -> Vec<Bar> {
    let values: Vec<f64> = values.iter().map(|&v| f64::from(v)).collect();
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[b].partial_cmp(&values[a]).unwrap_or(std::cmp::Ordering::Equal));
    let (lo, hi) = match scale {
        Scale::Probability => (0.0, 1.0),
        Scale::Relative => (
            values.iter().copied().fold(f64::INFINITY, f64::min),
            values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        ),
    };
    order
        .into_iter()
        .take(TOP)
        .map(|class| {
            let value = values[class];
            let width = (100.0 * (value - lo) / (hi - lo).max(1e-9)).max(1.0);
            Bar { class, value, width }
        })
        .collect()
}

/// A probability's label: `12.3 %`.
pub fn probability_label(p: f64) -> String {
    format!("{} %", to_fixed(100.0 * p, 1))
}

/// An SVM score's label: `0.12`.
pub fn score_label(s: f64) -> String {
    to_fixed(s, 2)
}
