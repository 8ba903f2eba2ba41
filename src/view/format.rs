//! Number formats the page shows, as the JavaScript page wrote them (`toFixed`, `toLocaleString`
//! in English, `toExponential`): the end-to-end tests and the users read these strings. Also
//! the results' table rows built from them.

use super::chart::same_lambda;
use crate::dataset::CLASS_NAMES;
use crate::protocol::{LambdaScore, Report, ReportRow};

/// Seconds as `1 min 05 s`, `42 s`, or `–` when unknown (not finite).
pub fn fmt_time(seconds: f64) -> String {
    if !seconds.is_finite() {
        return "–".into();
    }
    let s = js_round(seconds);
    if s >= 60 { format!("{} min {:02} s", s / 60, s % 60) } else { format!("{s} s") }
}

/// A fraction as a percentage with two decimals: `0.1234` → `12.34 %`.
pub fn pct(x: f64) -> String {
    format!("{} %", to_fixed(100.0 * x, 2))
}

/// An integer with thousands separators: `60000` → `60,000`. Any integer type up to 64 bits.
pub fn thousands(n: impl Into<i128>) -> String {
    let n: i128 = n.into();
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A measured rate rounded to a whole number, with separators (`1,234`); `–` when not finite.
pub fn round_thousands(x: f64) -> String {
    if x.is_finite() { thousands(js_round(x)) } else { "–".into() }
}

/// JavaScript's `Math.round`: halves go up (towards +∞), not away from zero.
/// A power of ten as a short axis label: 1, 10, 100, 1k, 10k, 100k, 1M, 10M.
pub fn power_of_ten(exponent: i32) -> String {
    match exponent {
        e if e < 3 => 10i64.pow(e.max(0) as u32).to_string(),
        e if e < 6 => format!("{}k", 10i64.pow((e - 3) as u32)),
        e => format!("{}M", 10i64.pow((e - 6) as u32)),
    }
}

pub fn js_round(x: f64) -> i64 {
    (x + 0.5).floor() as i64
}

/// A λ with one significant digit, as `1e-4`, `3e-3`, `1e2` (JavaScript's `toExponential(0)`
/// without its `+`).
pub fn fmt_lambda(lambda: f64) -> String {
    if !lambda.is_finite() {
        return js_special(lambda);
    }
    let x = if is_exponential_tie(lambda) { away_from_zero(lambda) } else { lambda };
    format!("{x:.0e}")
}

/// JavaScript's `x.toFixed(digits)`: exact decimal rounding with ties away from zero (Rust's
/// own formatting rounds ties to even, so a tie is nudged one ulp outwards first).
pub fn to_fixed(x: f64, digits: usize) -> String {
    if !x.is_finite() {
        return js_special(x);
    }
    // JavaScript drops the sign of negative zero.
    let x = if x == 0.0 { 0.0 } else { x };
    let x = if is_fixed_tie(x, digits) { away_from_zero(x) } else { x };
    format!("{x:.digits$}")
}

fn js_special(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else if x > 0.0 {
        "Infinity".into()
    } else {
        "-Infinity".into()
    }
}

fn away_from_zero(x: f64) -> f64 {
    if x > 0.0 { x.next_up() } else { x.next_down() }
}

/// Whether `x` lies exactly half-way between two numbers of `digits` decimals, that is whether
/// `2·x·10^digits` is an odd integer. With `x = m·2^e`, `m` odd, that is `e == -(digits + 1)`.
fn is_fixed_tie(x: f64, digits: usize) -> bool {
    let bits = x.abs().to_bits();
    let (biased, fraction) = ((bits >> 52) as i64, bits & ((1 << 52) - 1));
    let (m, e) = if biased == 0 { (fraction, -1074) } else { (fraction | 1 << 52, biased - 1075) };
    m != 0 && e + i64::from(m.trailing_zeros()) == -(digits as i64 + 1)
}

/// Whether `x`'s exact decimal significand is `d.5` (a tie for one significant digit). The
/// exact expansion of a double has at most 767 significant digits.
fn is_exponential_tie(x: f64) -> bool {
    let exact = format!("{:.800e}", x.abs());
    let mantissa = exact.split('e').next().unwrap_or_default();
    let mut decimals = mantissa.chars().skip(2);
    decimals.next() == Some('5') && decimals.all(|c| c == '0')
}

// ---- Table rows (HTML: every text in them is the page's own) ------------------------------

/// One classifier's side of the classification report.
#[derive(Clone, Copy, Debug)]
pub struct Scored<'a> {
    pub report: &'a Report,
    pub accuracy: f64,
}

/// The classification report's rows: a row per class, the macro and weighted averages
/// (class `avg`), then the accuracy over the `count` test images. The SVM's cells that beat
/// the CNN's are marked `better`; without an SVM its columns read `–`. Every number's cell
/// names its column in `data-label`, which a phone's stacked table shows beside it.
pub fn report_rows(cnn: Scored, count: u32, svm: Option<Scored>) -> String {
    let svm_rows = svm.map(|s| named_rows(s.report));
    let svm_row = |i: usize| svm_rows.as_ref().and_then(|rows| rows.get(i)).map(|row| &row.1);
    let mut html: String = named_rows(cnn.report)
        .iter()
        .enumerate()
        .map(|(i, (name, row, class))| report_row(name, row, svm_row(i), class))
        .collect();
    let svm_accuracy = svm.map_or_else(|| "–".into(), |s| to_fixed(s.accuracy, 3));
    let (cnn_accuracy, count) = (to_fixed(cnn.accuracy, 3), thousands(count));
    html.push_str(&format!(
        "<tr class=\"avg\"><td>accuracy</td><td colspan=\"3\" data-label=\"CNN\">{cnn_accuracy}</td>\
         <td colspan=\"3\" data-label=\"CNN + SVM\">{svm_accuracy}</td><td data-label=\"Support\">{count}</td></tr>"
    ));
    html
}

/// A report's rows with their names and row class: the classes, then the averages.
fn named_rows(report: &Report) -> Vec<(String, ReportRow, &'static str)> {
    let name = |i: usize| CLASS_NAMES.get(i).map_or_else(|| format!("class {i}"), |n| n.to_string());
    let classes = report.classes.iter().enumerate().map(|(i, row)| (name(i), *row, ""));
    let averages = [("macro average", report.macro_avg), ("weighted average", report.weighted_avg)];
    classes.chain(averages.map(|(name, row)| (name.to_string(), row, " class=\"avg\""))).collect()
}

fn report_row(name: &str, c: &ReportRow, s: Option<&ReportRow>, class: &str) -> String {
    let cell = |label: &str, v: f64, other: Option<f64>| {
        let better = if other.is_some_and(|o| v > o + 1e-9) { " class=\"better\"" } else { "" };
        format!("<td{better} data-label=\"{label}\">{}</td>", to_fixed(v, 3))
    };
    let cnn =
        cell("CNN precision", c.precision, None) + &cell("CNN recall", c.recall, None) + &cell("CNN F1", c.f1, None);
    let svm = s.map_or_else(
        || {
            "<td data-label=\"SVM precision\">–</td><td data-label=\"SVM recall\">–</td><td data-label=\"SVM F1\">–</td>"
                .into()
        },
        |s| {
            cell("SVM precision", s.precision, Some(c.precision))
                + &cell("SVM recall", s.recall, Some(c.recall))
                + &cell("SVM F1", s.f1, Some(c.f1))
        },
    );
    format!("<tr{class}><td>{name}</td>{cnn}{svm}<td data-label=\"Support\">{}</td></tr>", thousands(c.support))
}

/// The λ table's rows: each λ tried with its validation accuracy (the chosen one marked), then
/// the λ being fitted, if any.
pub fn lambda_rows(scores: &[LambdaScore], chosen: Option<f64>, current: Option<f64>) -> String {
    let mut rows: String = scores
        .iter()
        .map(|s| {
            let is = same_lambda(s.lambda, chosen);
            let (class, mark) = if is { ("chosen", " ← chosen") } else { ("", "") };
            format!("<tr class=\"{class}\"><td>{}</td><td>{}{mark}</td></tr>", fmt_lambda(s.lambda), pct(s.accuracy))
        })
        .collect();
    if let Some(l) = current {
        rows.push_str(&format!("<tr><td>{}</td><td>fitting…</td></tr>", fmt_lambda(l)));
    }
    rows
}
