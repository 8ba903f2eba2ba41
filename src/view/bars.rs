//! The answer's bars: the five highest classes, longest first. Probabilities are drawn to
//! scale from the left; SVM scores are margins (any sign, 0 = on the class's boundary), drawn
//! from a zero line in the middle of the track, so a negative margin reads as "not this class"
//! and the lengths compare across answers.

use super::format::to_fixed;

/// How many classes get a bar.
pub const TOP: usize = 5;

/// How the values map to bars.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// 0..1 is the whole track, from its left end.
    Probability,
    /// Zero in the middle of the track; the largest magnitude of the ten reaches an end.
    Margin,
}

/// One bar: the class, its value, where its fill starts and how long it is, both in percent
/// of the track (at least 1 long, so that even the smallest shows).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bar {
    pub class: usize,
    pub value: f64,
    pub start: f64,
    pub width: f64,
}

impl Bar {
    /// The length as a CSS width.
    pub fn css_width(&self) -> String {
        format!("{}%", self.width)
    }

    /// The start as a CSS left margin.
    pub fn css_start(&self) -> String {
        format!("{}%", self.start)
    }

    /// A margin below zero: drawn left of the zero line, in the "not this class" colour.
    pub fn is_negative(&self) -> bool {
        self.value < 0.0
    }
}

/// The [`TOP`] highest `values` (ties in class order) as bars on `scale`.
pub fn top_bars(values: &[f32], scale: Scale) -> Vec<Bar> {
    let values: Vec<f64> = values.iter().map(|&v| f64::from(v)).collect();
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[b].partial_cmp(&values[a]).unwrap_or(std::cmp::Ordering::Equal));
    let reach = values.iter().map(|v| v.abs()).filter(|v| v.is_finite()).fold(0.0, f64::max).max(1e-9);
    order
        .into_iter()
        .take(TOP)
        .map(|class| {
            let value = values[class];
            let (start, width) = match scale {
                Scale::Probability => (0.0, (100.0 * value).clamp(1.0, 100.0)),
                Scale::Margin => {
                    let half = (50.0 * value.abs() / reach).clamp(1.0, 50.0);
                    (if value < 0.0 { 50.0 - half } else { 50.0 }, half)
                }
            };
            Bar { class, value, start, width }
        })
        .collect()
}

/// A probability's label: `12.3 %`.
pub fn probability_label(p: f64) -> String {
    format!("{} %", to_fixed(100.0 * p, 1))
}

/// An SVM margin's label, signed: `+0.12`, `−0.80`.
pub fn score_label(s: f64) -> String {
    let text = to_fixed(s.abs(), 2);
    if text == "0.00" {
        text
    } else if s < 0.0 {
        format!("−{text}")
    } else {
        format!("+{text}")
    }
}
