//! The page's charts: the training curves and the λ search drawn with plotters, the confusion
//! matrices with plain canvas calls (their labels are turned 60°, which plotters' canvas text
//! cannot do).

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use std::fmt;
use std::ops::Range;
use web_sys::HtmlCanvasElement;

use super::dom::context_2d;
use crate::dataset::CLASS_NAMES;
use crate::protocol::LambdaScore;
use crate::view::chart::{Curve, Ticks, clamp_to, lambda_ranges, lambda_y_ticks, same_lambda, to_pixel};
use crate::view::colour::{confusion_cell, confusion_text};
use crate::view::format::{pct, to_fixed};

const FONT: &str = "system-ui, sans-serif";
const GRID: RGBColor = RGBColor(0xcc, 0xcc, 0xdd);
const INK: RGBColor = RGBColor(0x55, 0x55, 0x66);
const LINE: RGBColor = RGBColor(0x24, 0x56, 0xc8);
const MARK: RGBColor = RGBColor(0xd0, 0x45, 0x2b);
const DOT: RGBAColor = RGBAColor(70, 110, 200, 0.25);

/// A chart the canvas refused to draw.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartError {
    pub chart: &'static str,
    pub reason: String,
}

impl fmt::Display for ChartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "The {} could not be drawn ({}); the numbers beside it are still right. Reloading the page may help.",
            self.chart, self.reason
        )
    }
}

impl std::error::Error for ChartError {}

fn failed<E: fmt::Display>(chart: &'static str) -> impl Fn(E) -> ChartError {
    move |e| ChartError { chart, reason: e.to_string() }
}

/// The canvas, cleared, as a plotters drawing area.
fn area(canvas: &HtmlCanvasElement, chart: &'static str) -> Result<DrawingArea<CanvasBackend, Shift>, ChartError> {
    context_2d(canvas).clear_rect(0.0, 0.0, f64::from(canvas.width()), f64::from(canvas.height()));
    let backend = CanvasBackend::with_canvas_object(canvas.clone()).ok_or_else(|| failed(chart)("no 2-D context"))?;
    Ok(backend.into_drawing_area())
}

/// A linear axis with our own round ticks (plotters' key-point wrapper cannot draw a mesh
/// over `f64`).
struct TickAxis {
    range: (f64, f64),
    ticks: Vec<f64>,
}

impl TickAxis {
    fn new(range: (f64, f64), ticks: Vec<f64>) -> Self {
        TickAxis { range, ticks }
    }
}

impl Ranged for TickAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, (p0, p1): (i32, i32)) -> i32 {
        to_pixel(*v, self.range, (f64::from(p0), f64::from(p1))).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() { Vec::new() } else { self.ticks.clone() }
    }

    fn range(&self) -> Range<f64> {
        self.range.0..self.range.1
    }
}

fn label_style() -> TextStyle<'static> {
    (FONT, 11).into_font().color(&INK)
}

/// A training curve over the whole run's batches: the raw points as dots, the smoothed line,
/// the epochs' values as squares; `y` is the value axis' range.
pub fn draw_curve(
    canvas: &HtmlCanvasElement,
    curve: &Curve,
    y: (f64, f64),
    chart: &'static str,
) -> Result<(), ChartError> {
    let root = area(canvas, chart)?;
    let total = f64::from(curve.total());
    let (x_ticks, y_ticks) = (Ticks::whole(0.0, total, 6), Ticks::new(y.0, y.1, 5));
    let mut plot = ChartBuilder::on(&root)
        .margin_top(12)
        .margin_right(16)
        .x_label_area_size(36)
        .y_label_area_size(44)
        .build_cartesian_2d(
            TickAxis::new((0.0, total), x_ticks.values.clone()),
            TickAxis::new(y, y_ticks.values.clone()),
        )
        .map_err(failed(chart))?;
    let (x_label, y_label) = (|v: &f64| x_ticks.label(*v), |v: &f64| y_ticks.label(*v));
    plot.configure_mesh()
        .disable_x_mesh()
        .bold_line_style(GRID)
        .axis_style(GRID)
        .label_style(label_style())
        .axis_desc_style(label_style())
        .x_desc(format!("batch (of {})", curve.total()))
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .draw()
        .map_err(failed(chart))?;
    let on_chart = |&(s, v): &(f64, f64)| (s.clamp(0.0, total), clamp_to(v, y));
    let square =
        |p, half: i32, style: ShapeStyle| EmptyElement::at(p) + Rectangle::new([(-half, -half), (half, half)], style);
    plot.draw_series(curve.dots().map(|p| square(on_chart(p), 1, DOT.filled()))).map_err(failed(chart))?;
    plot.draw_series(LineSeries::new(curve.smooth.iter().map(on_chart), LINE.stroke_width(2)))
        .map_err(failed(chart))?;
    plot.draw_series(curve.epochs.iter().map(|p| square(on_chart(p), 4, MARK.filled()))).map_err(failed(chart))?;
    root.present().map_err(failed(chart))
}

/// The λ search: validation accuracy against log10 λ, the chosen λ's point in red. An empty
/// search leaves the canvas blank.
pub fn draw_lambda(canvas: &HtmlCanvasElement, scores: &[LambdaScore], chosen: Option<f64>) -> Result<(), ChartError> {
    const CHART: &str = "λ search chart";
    let root = area(canvas, CHART)?;
    let Some((x, y)) = lambda_ranges(scores) else { return Ok(()) };
    let points: Vec<(f64, f64)> = scores.iter().map(|s| (s.lambda.log10(), s.accuracy)).collect();
    let x_keys = points.iter().map(|p| p.0).collect();
    let mut plot = ChartBuilder::on(&root)
        .margin_top(14)
        .margin_right(14)
        .x_label_area_size(30)
        .y_label_area_size(56)
        .build_cartesian_2d(TickAxis::new(x, x_keys), TickAxis::new(y, lambda_y_ticks(y)))
        .map_err(failed(CHART))?;
    let (x_label, y_label) = (|v: &f64| format!("1e{}", to_fixed(*v, 0)), |v: &f64| pct(*v));
    plot.configure_mesh()
        .disable_x_mesh()
        .bold_line_style(GRID)
        .axis_style(GRID)
        .label_style(label_style())
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .draw()
        .map_err(failed(CHART))?;
    plot.draw_series(LineSeries::new(points.iter().copied(), LINE.stroke_width(2))).map_err(failed(CHART))?;
    let colour = |s: &LambdaScore| if same_lambda(s.lambda, chosen) { MARK } else { LINE };
    let dots = scores.iter().zip(&points).map(|(s, &p)| Circle::new(p, 5, colour(s).filled()));
    plot.draw_series(dots).map_err(failed(CHART))?;
    root.present().map_err(failed(CHART))
}

/// Room for the class names left of and above the cells.
const NAMES: f64 = 90.0;
/// Room right of the cells for the last column's turned name.
const RIGHT: f64 = 50.0;

/// A confusion matrix (rows: true class, columns: predicted): the diagonal blue, confusions
/// red, deeper as they take more of the row; counts in the cells, class names on both axes.
pub fn draw_confusion(canvas: &HtmlCanvasElement, matrix: &[Vec<u32>]) {
    let ctx = context_2d(canvas);
    let (w, h) = (f64::from(canvas.width()), f64::from(canvas.height()));
    ctx.clear_rect(0.0, 0.0, w, h);
    let n = matrix.len();
    if n == 0 {
        return;
    }
    let cell = ((w - NAMES - RIGHT) / n as f64).min((h - NAMES) / n as f64).floor().max(1.0);
    ctx.set_font(&format!("11px {FONT}"));
    for (r, row) in matrix.iter().enumerate() {
        let sum = row.iter().fold(0u32, |a, &b| a.saturating_add(b));
        for c in 0..n {
            draw_cell(&ctx, r, c, row.get(c).copied().unwrap_or(0), sum, cell);
        }
        draw_names(&ctx, r, CLASS_NAMES.get(r).copied().unwrap_or("?"), cell);
    }
}

fn draw_cell(ctx: &web_sys::CanvasRenderingContext2d, r: usize, c: usize, count: u32, row_sum: u32, cell: f64) {
    let (x, y) = (NAMES + c as f64 * cell, NAMES + r as f64 * cell);
    ctx.set_fill_style_str(&confusion_cell(count, row_sum, r == c).css());
    ctx.fill_rect(x, y, cell - 1.0, cell - 1.0);
    ctx.set_fill_style_str(confusion_text(count, row_sum));
    ctx.set_text_align("center");
    let _ = ctx.fill_text(&count.to_string(), x + cell / 2.0, y + cell / 2.0 + 4.0);
}

/// Class `i`'s name left of its row and, turned, above its column.
fn draw_names(ctx: &web_sys::CanvasRenderingContext2d, i: usize, name: &str, cell: f64) {
    let middle = i as f64 * cell + cell / 2.0;
    ctx.set_text_align("right");
    ctx.set_fill_style_str("#222");
    let _ = ctx.fill_text(name, NAMES - 4.0, NAMES + middle + 4.0);
    ctx.save();
    let _ = ctx.translate(NAMES + middle + 4.0, NAMES - 4.0);
    let _ = ctx.rotate(-std::f64::consts::PI / 3.0);
    ctx.set_text_align("left");
    let _ = ctx.fill_text(name, 0.0, 0.0);
    ctx.restore();
}
