//! The training curves' data and the charts' axes: EMA smoothing, y ranges, round tick values.

use crate::protocol::LambdaScore;

/// At most this many raw points are drawn: more would cost frames and show nothing new.
pub const MAX_DOTS: usize = 3000;

/// The EMA weight of a new point: the line is smoothed over about a twentieth of the run, so
/// short and long runs both read well.
pub fn ema_alpha(total_steps: u32) -> f64 {
    (20.0 / f64::from(total_steps.max(1))).clamp(0.02, 0.3)
}

/// One training curve: the raw points per batch, their EMA, the per-epoch values and, for
/// accuracy, the held-out values measured at the epochs' ends.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Curve {
    total: u32,
    per_epoch: u32,
    pub raw: Vec<(f64, f64)>,
    pub smooth: Vec<(f64, f64)>,
    pub epochs: Vec<(f64, f64)>,
    pub held_out: Vec<(f64, f64)>,
    ema: Option<f64>,
}

impl Curve {
    /// A run of `total_steps` batches, `per_epoch` to an epoch (0: not known yet).
    pub fn new(total_steps: u32, per_epoch: u32) -> Self {
        Curve { total: total_steps.max(1), per_epoch, ..Curve::default() }
    }

    /// Where the epochs meet, in batches: a line each on the chart (none for one epoch).
    pub fn epoch_lines(&self) -> Vec<f64> {
        if self.per_epoch == 0 {
            return Vec::new();
        }
        (1..).map(|k| f64::from(k * self.per_epoch)).take_while(|&x| x < f64::from(self.total())).collect()
    }

    pub fn add_held_out(&mut self, step: f64, y: f64) {
        self.held_out.push((step, y));
    }

    /// The whole run's number of batches: the x axis spans it from the start.
    pub fn total(&self) -> u32 {
        self.total.max(1)
    }

    pub fn add(&mut self, step: f64, y: f64) {
        self.raw.push((step, y));
        let alpha = ema_alpha(self.total());
        let ema = self.ema.map_or(y, |e| e + alpha * (y - e));
        self.ema = Some(ema);
        self.smooth.push((step, ema));
    }

    pub fn add_epoch(&mut self, step: f64, y: f64) {
        self.epochs.push((step, y));
    }

    /// The smoothed value so far (`None` before the first point).
    pub fn ema(&self) -> Option<f64> {
        self.ema
    }

    /// The raw points to draw: every one, or an even sample of about [`MAX_DOTS`].
    pub fn dots(&self) -> impl Iterator<Item = &(f64, f64)> {
        self.raw.iter().step_by((self.raw.len() / MAX_DOTS).max(1))
    }

    /// The loss axis' top: room above the smoothed line and the epoch values, at least 0.5.
    pub fn loss_y_max(&self) -> f64 {
        let top = self.smooth.iter().chain(&self.epochs).map(|p| p.1).filter(|v| v.is_finite());
        top.fold(0.5, f64::max) * 1.1
    }
}

/// Round tick values ("nice numbers": 1, 2 or 5 times a power of ten apart) covering `lo..=hi`,
/// about `target` of them, and how many decimals their labels need.
#[derive(Clone, Debug, PartialEq)]
pub struct Ticks {
    pub values: Vec<f64>,
    pub decimals: usize,
}

impl Ticks {
    pub fn new(lo: f64, hi: f64, target: usize) -> Self {
        if !(lo.is_finite() && hi.is_finite() && hi > lo) {
            return Ticks { values: vec![lo], decimals: 0 };
        }
        let (mantissa, exponent) = nice_step((hi - lo) / target.max(2).saturating_sub(1) as f64);
        let value = |k: i64| scaled(k * mantissa, exponent);
        let step = value(1);
        let first = (lo / step - 1e-9).ceil() as i64;
        let last = (hi / step + 1e-9).floor() as i64;
        let values = (first..=last).map(value).collect();
        Ticks { values, decimals: exponent.min(0).unsigned_abs() as usize }
    }

    /// Like [`Ticks::new`], but whole numbers only (batch counts).
    pub fn whole(lo: f64, hi: f64, target: usize) -> Self {
        let ticks = Ticks::new(lo, hi, target);
        if ticks.decimals == 0 {
            return ticks;
        }
        let values = (lo.ceil() as i64..=hi.floor() as i64).map(|v| v as f64).collect();
        Ticks { values, decimals: 0 }
    }

    /// A tick's label; whole numbers with thousands separators (`11,250`).
    pub fn label(&self, v: f64) -> String {
        if self.decimals == 0 && v.abs() < 1e15 {
            super::format::thousands(v.round() as i64)
        } else {
            super::format::to_fixed(v, self.decimals)
        }
    }
}

/// The nice step nearest `raw`, as `mantissa · 10^exponent` with mantissa 1, 2 or 5.
fn nice_step(raw: f64) -> (i64, i32) {
    let exponent = raw.log10().floor() as i32;
    match raw / 10f64.powi(exponent) {
        f if f < 1.5 => (1, exponent),
        f if f < 3.0 => (2, exponent),
        f if f < 7.0 => (5, exponent),
        _ => (1, exponent + 1),
    }
}

/// `n · 10^exponent`, correctly rounded (dividing by an exact power of ten, not multiplying
/// by an inexact 0.1, keeps 0.6 from becoming 0.6000000000000001).
fn scaled(n: i64, exponent: i32) -> f64 {
    if exponent >= 0 { n as f64 * 10f64.powi(exponent) } else { n as f64 / 10f64.powi(-exponent) }
}

/// Keeps `v` on the chart: values off the axis are drawn at its edge.
pub fn clamp_to(v: f64, (lo, hi): (f64, f64)) -> f64 {
    if v.is_nan() { lo } else { v.clamp(lo, hi) }
}

/// The λ chart's axes: log10 λ with half a decade either side, and the validation accuracy
/// with a point of room, within 0..1. `None` without scores.
pub fn lambda_ranges(scores: &[LambdaScore]) -> Option<((f64, f64), (f64, f64))> {
    if scores.is_empty() {
        return None;
    }
    let xs = scores.iter().map(|s| s.lambda.log10());
    let ys = scores.iter().map(|s| s.accuracy);
    let x0 = xs.clone().fold(f64::INFINITY, f64::min) - 0.5;
    let x1 = xs.fold(f64::NEG_INFINITY, f64::max) + 0.5;
    let y0 = (ys.clone().fold(f64::INFINITY, f64::min) - 0.01).max(0.0);
    let y1 = (ys.fold(f64::NEG_INFINITY, f64::max) + 0.01).min(1.0);
    Some(((x0, x1), (y0, y1.max(y0 + 1e-9))))
}

/// The λ chart's four y ticks: the bottom, the top and two between, as on the JavaScript page.
pub fn lambda_y_ticks((y0, y1): (f64, f64)) -> Vec<f64> {
    (0..=3).map(|k| y0 + (y1 - y0) * f64::from(k) / 3.0).collect()
}

/// Maps `v` in `lo..hi` onto the pixels `p0..p1` (either way round).
pub fn to_pixel(v: f64, (lo, hi): (f64, f64), (p0, p1): (f64, f64)) -> f64 {
    p0 + (p1 - p0) * (v - lo) / (hi - lo).max(1e-12)
}

/// Whether a λ of the grid is the chosen one (equal but for float noise).
pub fn same_lambda(lambda: f64, chosen: Option<f64>) -> bool {
    chosen.is_some_and(|c| (lambda - c).abs() <= 1e-9 * lambda.abs().max(c.abs()))
}

/// Where a confusion matrix's parts go on its canvas: the axis titles, the class names, the
/// square cells and the colour scale under them. Drawing and hit-testing a click share it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MatrixLayout {
    /// The cells' top-left corner.
    pub left: f64,
    pub top: f64,
    pub cell: f64,
    pub n: usize,
}

/// Room left of the cells: the "True class" title and the row names.
const MATRIX_LEFT: f64 = 98.0;
/// Room above the cells: the "Predicted class" title and the turned column names.
const MATRIX_TOP: f64 = 96.0;
/// Room right of the cells for the last column's turned name.
const MATRIX_RIGHT: f64 = 44.0;
/// Room under the cells for the colour scale.
pub const MATRIX_SCALE: f64 = 40.0;

impl MatrixLayout {
    /// The layout of an `n` x `n` matrix on a `width` x `height` canvas.
    pub fn new(width: f64, height: f64, n: usize) -> Self {
        let k = n.max(1) as f64;
        let cell = ((width - MATRIX_LEFT - MATRIX_RIGHT) / k).min((height - MATRIX_TOP - MATRIX_SCALE) / k);
        MatrixLayout { left: MATRIX_LEFT, top: MATRIX_TOP, cell: cell.floor().max(1.0), n }
    }

    /// The cells' bottom edge.
    pub fn bottom(&self) -> f64 {
        self.top + self.n as f64 * self.cell
    }

    /// The (row, column) of the cell at canvas point (x, y), if any.
    pub fn cell_at(&self, x: f64, y: f64) -> Option<(usize, usize)> {
        let (c, r) = ((x - self.left) / self.cell, (y - self.top) / self.cell);
        let inside = |v: f64| v >= 0.0 && v < self.n as f64;
        (inside(c) && inside(r)).then_some((r as usize, c as usize))
    }
}
