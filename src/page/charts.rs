//! The page's charts: the training curves and the λ search drawn with plotters, the confusion
//! matrices with plain canvas calls (their labels are turned 60°, which plotters' canvas text
//! cannot do).

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use std::fmt;
use std::ops::Range;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use super::dom::{context_2d, data, set_data, window};
use crate::dataset::CLASS_NAMES;
use crate::protocol::LambdaScore;
use crate::view::chart::{Curve, MatrixLayout, Ticks, clamp_to, lambda_ranges, lambda_y_ticks, same_lambda, to_pixel};
use crate::view::colour::{confusion_cell, confusion_text};
use crate::view::format::{pct, thousands, to_fixed};

pub(super) const FONT: &str = "system-ui, sans-serif";
pub(super) const GRID: RGBColor = RGBColor(0xcc, 0xcc, 0xdd);
pub(super) const INK: RGBColor = RGBColor(0x55, 0x55, 0x66);
const LINE: RGBColor = RGBColor(0x24, 0x56, 0xc8);
const MARK: RGBColor = RGBColor(0xd0, 0x45, 0x2b);
const DOT: RGBAColor = RGBAColor(70, 110, 200, 0.25);
const HELD: RGBColor = RGBColor(0x1b, 0x7a, 0x3a);
const EPOCH: RGBColor = RGBColor(0xe3, 0xe6, 0xee);

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

pub(super) fn failed<E: fmt::Display>(chart: &'static str) -> impl Fn(E) -> ChartError {
    move |e| ChartError { chart, reason: e.to_string() }
}

/// The canvas, cleared, as a plotters drawing area.
pub(super) fn area(
    canvas: &HtmlCanvasElement,
    chart: &'static str,
) -> Result<DrawingArea<CanvasBackend, Shift>, ChartError> {
    context_2d(canvas).clear_rect(0.0, 0.0, f64::from(canvas.width()), f64::from(canvas.height()));
    let backend = CanvasBackend::with_canvas_object(canvas.clone()).ok_or_else(|| failed(chart)("no 2-D context"))?;
    Ok(backend.into_drawing_area())
}

/// A linear axis with our own round ticks (plotters' key-point wrapper cannot draw a mesh
/// over `f64`).
pub(super) struct TickAxis {
    range: (f64, f64),
    ticks: Vec<f64>,
}

impl TickAxis {
    pub(super) fn new(range: (f64, f64), ticks: Vec<f64>) -> Self {
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

pub(super) fn label_style() -> TextStyle<'static> {
    (FONT, 11).into_font().color(&INK)
}

/// What a training chart shows: its quantity (the title over the y axis) and where its
/// legend goes (where the curve is not: top right for a falling loss, bottom right for a
/// rising accuracy).
pub struct CurveChart {
    pub name: &'static str,
    pub quantity: &'static str,
    /// The legend at the plot's top right corner, else at its bottom right.
    pub legend_on_top: bool,
}

/// How a legend entry's mark looks.
enum Mark {
    Dot,
    Line,
    Square,
    Circle,
}

/// A training curve over the whole run's batches: the raw points as dots, the smoothed line,
/// the epochs' values as squares, the held-out values as a green line, a light line where
/// each epoch ends; `y` is the value axis' range.
pub fn draw_curve(
    canvas: &HtmlCanvasElement,
    curve: &Curve,
    y: (f64, f64),
    chart: &CurveChart,
) -> Result<(), ChartError> {
    let name = chart.name;
    fit_to_panel(canvas);
    let root = area(canvas, name)?;
    let total = f64::from(curve.total());
    let (x_ticks, y_ticks) = (Ticks::whole(0.0, total, 6), Ticks::new(y.0, y.1, 5));
    let mut plot = ChartBuilder::on(&root)
        .margin_top(22)
        .margin_right(16)
        .x_label_area_size(36)
        .y_label_area_size(44)
        .build_cartesian_2d(
            TickAxis::new((0.0, total), x_ticks.values.clone()),
            TickAxis::new(y, y_ticks.values.clone()),
        )
        .map_err(failed(name))?;
    let (x_label, y_label) = (|v: &f64| x_ticks.label(*v), |v: &f64| y_ticks.label(*v));
    plot.configure_mesh()
        .disable_x_mesh()
        .bold_line_style(GRID)
        .axis_style(GRID)
        .label_style(label_style())
        .axis_desc_style(label_style())
        .x_desc(format!("batch (of {}; light lines: epoch ends)", thousands(curve.total())))
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .draw()
        .map_err(failed(name))?;
    let epoch_line = |x: f64| PathElement::new(vec![(x, y.0), (x, y.1)], EPOCH.stroke_width(1));
    plot.draw_series(curve.epoch_lines().into_iter().map(epoch_line)).map_err(failed(name))?;
    let on_chart = |&(s, v): &(f64, f64)| (s.clamp(0.0, total), clamp_to(v, y));
    let square =
        |p, half: i32, style: ShapeStyle| EmptyElement::at(p) + Rectangle::new([(-half, -half), (half, half)], style);
    plot.draw_series(curve.dots().map(|p| square(on_chart(p), 1, DOT.filled()))).map_err(failed(name))?;
    plot.draw_series(LineSeries::new(curve.smooth.iter().map(on_chart), LINE.stroke_width(2))).map_err(failed(name))?;
    plot.draw_series(curve.epochs.iter().map(|p| square(on_chart(p), 4, MARK.filled()))).map_err(failed(name))?;
    if !curve.held_out.is_empty() {
        let held: Vec<(f64, f64)> = curve.held_out.iter().map(on_chart).collect();
        plot.draw_series(LineSeries::new(held.iter().copied(), HELD.stroke_width(2))).map_err(failed(name))?;
        plot.draw_series(held.iter().map(|&p| Circle::new(p, 4, HELD.filled()))).map_err(failed(name))?;
    }
    root.present().map_err(failed(name))?;
    let mut entries = vec![("per batch", Mark::Dot), ("smoothed", Mark::Line), ("epoch mean", Mark::Square)];
    if !curve.held_out.is_empty() {
        entries.push(("test images (held out)", Mark::Circle));
    }
    draw_legend(canvas, chart, &entries);
    Ok(())
}

/// The chart's title and its legend, with plain canvas calls: plotters' own legend measures
/// its text with a styled DOM element, which the page's Content-Security-Policy refuses.
fn draw_legend(canvas: &HtmlCanvasElement, chart: &CurveChart, entries: &[(&str, Mark)]) {
    let ctx = context_2d(canvas);
    let (w, h) = (f64::from(canvas.width()), f64::from(canvas.height()));
    ctx.set_font(&format!("11px {FONT}"));
    ctx.set_text_align("left");
    ctx.set_fill_style_str("#555566");
    let _ = ctx.fill_text(chart.quantity, 6.0, 13.0);
    // About 6.2 px a character at 11 px (no TextMetrics in the page's web-sys features).
    let text_width = entries.iter().map(|(t, _)| t.chars().count() as f64 * 6.2).fold(0.0, f64::max);
    let (box_w, box_h) = (text_width + 34.0, entries.len() as f64 * 15.0 + 8.0);
    let x = w - 16.0 - box_w - 6.0;
    let y = if chart.legend_on_top { 30.0 } else { h - 36.0 - box_h - 6.0 };
    ctx.set_fill_style_str("rgba(255,255,255,0.85)");
    ctx.fill_rect(x, y, box_w, box_h);
    ctx.set_stroke_style_str("#ccccdd");
    ctx.set_line_width(1.0);
    ctx.stroke_rect(x + 0.5, y + 0.5, box_w, box_h);
    for (k, (text, mark)) in entries.iter().enumerate() {
        let (mx, my) = (x + 8.0, y + 12.0 + k as f64 * 15.0);
        match mark {
            Mark::Dot => {
                ctx.set_fill_style_str("rgba(70,110,200,0.6)");
                ctx.fill_rect(mx + 6.0, my - 1.5, 3.0, 3.0);
            }
            Mark::Line => {
                ctx.set_fill_style_str("#2456c8");
                ctx.fill_rect(mx, my - 1.0, 16.0, 2.0);
            }
            Mark::Square => {
                ctx.set_fill_style_str("#d0452b");
                ctx.fill_rect(mx + 4.0, my - 4.0, 8.0, 8.0);
            }
            Mark::Circle => {
                ctx.set_fill_style_str("#1b7a3a");
                ctx.begin_path();
                let _ = ctx.arc(mx + 8.0, my, 4.0, 0.0, std::f64::consts::TAU);
                ctx.fill();
            }
        }
        ctx.set_fill_style_str("#555566");
        let _ = ctx.fill_text(text, mx + 22.0, my + 4.0);
    }
}

/// Draws at the size the canvas is shown: a 540 px chart squeezed onto a 350 px phone screen
/// would shrink its 11 px labels to 7 px. The canvas' own size in the HTML is its largest;
/// the panel it is in decides how much of that fits.
pub fn fit_to_panel(canvas: &HtmlCanvasElement) {
    let natural = |name: &str, now: u32| {
        data(canvas, name).and_then(|v| v.parse::<u32>().ok()).unwrap_or_else(|| {
            set_data(canvas, name, Some(&now.to_string()));
            now
        })
    };
    let (w, h) = (natural("natural-width", canvas.width()), natural("natural-height", canvas.height()));
    let Some(room) = panel_room(canvas) else { return };
    let width = w.min(room);
    if width > 0 && width != canvas.width() {
        canvas.set_width(width);
        canvas.set_height((f64::from(h) * f64::from(width) / f64::from(w)).round() as u32);
    }
}

/// The width inside the canvas' grid cell (two matrices side by side each get half the
/// panel), else its panel, less padding and the canvas' border, if shown. Only a grid's cell:
/// a flex item's width follows the canvas, which would never grow back.
fn panel_room(canvas: &HtmlCanvasElement) -> Option<u32> {
    let panel = canvas.closest(".matrices > figure, .panel").ok()??;
    let style = window().get_computed_style(&panel).ok()??;
    let px = |name: &str| style.get_property_value(name).ok()?.trim_end_matches("px").parse::<f64>().ok();
    let inner = f64::from(panel.client_width()) - px("padding-left")? - px("padding-right")? - 2.0;
    (inner > 0.0).then_some(inner.floor() as u32)
}

/// The λ search: validation accuracy against log10 λ, the chosen λ's point in red. An empty
/// search leaves the canvas blank.
pub fn draw_lambda(canvas: &HtmlCanvasElement, scores: &[LambdaScore], chosen: Option<f64>) -> Result<(), ChartError> {
    const CHART: &str = "λ search chart";
    fit_to_panel(canvas);
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

/// A confusion matrix (rows: true class, columns: predicted): the diagonal blue, confusions
/// red, deeper as they take more of the row; counts in the cells, class names and titles on
/// both axes, the two colour scales under the cells. Laid out by [`MatrixLayout`], which
/// also finds the cell under a click.
pub fn draw_confusion(canvas: &HtmlCanvasElement, matrix: &[Vec<u32>]) {
    fit_to_panel(canvas);
    let ctx = context_2d(canvas);
    let (w, h) = (f64::from(canvas.width()), f64::from(canvas.height()));
    ctx.clear_rect(0.0, 0.0, w, h);
    let n = matrix.len();
    if n == 0 {
        return;
    }
    let layout = MatrixLayout::new(w, h, n);
    ctx.set_font(&format!("11px {FONT}"));
    for (r, row) in matrix.iter().enumerate() {
        let sum = row.iter().fold(0u32, |a, &b| a.saturating_add(b));
        for c in 0..n {
            draw_cell(&ctx, &layout, (r, c), row.get(c).copied().unwrap_or(0), sum);
        }
        draw_names(&ctx, &layout, r, CLASS_NAMES.get(r).copied().unwrap_or("?"));
    }
    draw_axis_titles(&ctx, &layout);
    draw_scales(&ctx, &layout);
}

fn draw_cell(ctx: &CanvasRenderingContext2d, m: &MatrixLayout, (r, c): (usize, usize), count: u32, row_sum: u32) {
    let (x, y) = (m.left + c as f64 * m.cell, m.top + r as f64 * m.cell);
    ctx.set_fill_style_str(&confusion_cell(count, row_sum, r == c).css());
    ctx.fill_rect(x, y, m.cell - 1.0, m.cell - 1.0);
    ctx.set_fill_style_str(confusion_text(count, row_sum));
    ctx.set_text_align("center");
    let _ = ctx.fill_text(&count.to_string(), x + m.cell / 2.0, y + m.cell / 2.0 + 4.0);
}

/// Class `i`'s name left of its row and, turned, above its column.
fn draw_names(ctx: &CanvasRenderingContext2d, m: &MatrixLayout, i: usize, name: &str) {
    let middle = i as f64 * m.cell + m.cell / 2.0;
    ctx.set_text_align("right");
    ctx.set_fill_style_str("#222");
    let _ = ctx.fill_text(name, m.left - 4.0, m.top + middle + 4.0);
    ctx.save();
    let _ = ctx.translate(m.left + middle + 4.0, m.top - 4.0);
    let _ = ctx.rotate(-std::f64::consts::PI / 3.0);
    ctx.set_text_align("left");
    let _ = ctx.fill_text(name, 0.0, 0.0);
    ctx.restore();
}

/// "True class" up the left edge, "Predicted class" along the top.
fn draw_axis_titles(ctx: &CanvasRenderingContext2d, m: &MatrixLayout) {
    ctx.set_fill_style_str("#222");
    ctx.set_font(&format!("bold 11px {FONT}"));
    ctx.set_text_align("center");
    let _ = ctx.fill_text("Predicted class →", m.left + m.n as f64 * m.cell / 2.0, 12.0);
    ctx.save();
    let _ = ctx.translate(12.0, m.top + m.n as f64 * m.cell / 2.0);
    let _ = ctx.rotate(-std::f64::consts::FRAC_PI_2);
    let _ = ctx.fill_text("True class →", 0.0, 0.0);
    ctx.restore();
    ctx.set_font(&format!("11px {FONT}"));
}

/// The two colour scales under the cells: the diagonal's blue from 0 to 100 % of the true
/// class, and the confusions' red, full from a third of it on.
fn draw_scales(ctx: &CanvasRenderingContext2d, m: &MatrixLayout) {
    let width = (m.n as f64 * m.cell / 2.0 - 8.0).max(40.0);
    let y = m.bottom() + 8.0;
    let scales =
        [("right: share of the class", 1.0, "100 %", true), ("wrong: share of the class", 3.0, "≥ 33 %", false)];
    for (k, (title, stretch, top, diagonal)) in scales.into_iter().enumerate() {
        let x = m.left + k as f64 * (width + 16.0);
        for i in 0..20 {
            let share = f64::from(i) / 19.0 / stretch;
            let count = (share * 1000.0).round() as u32;
            ctx.set_fill_style_str(&confusion_cell(count, 1000, diagonal).css());
            ctx.fill_rect(x + f64::from(i) * width / 20.0, y, width / 20.0 + 0.5, 8.0);
        }
        ctx.set_fill_style_str("#222");
        ctx.set_text_align("left");
        let _ = ctx.fill_text(&format!("0 {title}"), x, y + 21.0);
        ctx.set_text_align("right");
        let _ = ctx.fill_text(top, x + width, y + 21.0);
    }
}
