//! The Lab's charts, drawn with plotters over the same axes as the training charts
//! ([`super::charts`]): the intensity histogram, and line charts of several named series
//! (ROC and precision-recall curves, the experiment log's overlaid runs) with a legend.

use plotters::prelude::*;
use web_sys::HtmlCanvasElement;

use super::charts::{ChartError, FONT, GRID, TickAxis, area, failed, fit_to_panel, label_style};
use super::dom::context_2d;
use crate::explore::HISTOGRAM_BINS;
use crate::view::chart::Ticks;
use crate::view::format::power_of_ten;

/// One line of a chart.
pub struct Series {
    pub label: String,
    pub colour: (u8, u8, u8),
    pub points: Vec<(f64, f64)>,
    /// Drawn dashed-light (a reference line such as chance).
    pub faint: bool,
}

/// A line chart's axes.
pub struct Axes {
    pub name: &'static str,
    pub x: (f64, f64),
    pub y: (f64, f64),
    pub x_title: String,
    pub y_title: &'static str,
    /// The legend at the bottom left (else right), where the curves are not.
    pub legend_left: bool,
}

/// The series on `axes`, a legend at the bottom right listing the labelled ones.
pub fn draw_lines(canvas: &HtmlCanvasElement, axes: &Axes, series: &[Series]) -> Result<(), ChartError> {
    let name = axes.name;
    fit_to_panel(canvas);
    let root = area(canvas, name)?;
    let (x_ticks, y_ticks) = (Ticks::new(axes.x.0, axes.x.1, 5), Ticks::new(axes.y.0, axes.y.1, 5));
    let mut plot = ChartBuilder::on(&root)
        .margin_top(28)
        .margin_right(16)
        .x_label_area_size(36)
        .y_label_area_size(44)
        .build_cartesian_2d(
            TickAxis::new(axes.x, x_ticks.values.clone()),
            TickAxis::new(axes.y, y_ticks.values.clone()),
        )
        .map_err(failed(name))?;
    let (x_label, y_label) = (|v: &f64| x_ticks.label(*v), |v: &f64| y_ticks.label(*v));
    plot.configure_mesh()
        .bold_line_style(GRID)
        .axis_style(GRID)
        .label_style(label_style())
        .axis_desc_style(label_style())
        .x_desc(axes.x_title.as_str())
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .draw()
        .map_err(failed(name))?;
    for s in series {
        let (r, g, b) = s.colour;
        let style =
            if s.faint { RGBColor(r, g, b).mix(0.5).stroke_width(1) } else { RGBColor(r, g, b).stroke_width(2) };
        plot.draw_series(LineSeries::new(s.points.iter().copied(), style)).map_err(failed(name))?;
    }
    root.present().map_err(failed(name))?;
    draw_legend(canvas, axes.y_title, series, axes.legend_left);
    Ok(())
}

/// The y title at the top left, and the labelled series in a box at the bottom, with
/// canvas calls (plotters' legend measures text with a styled element the CSP refuses).
fn draw_legend(canvas: &HtmlCanvasElement, title: &str, series: &[Series], left: bool) {
    let ctx = context_2d(canvas);
    let (w, h) = (f64::from(canvas.width()), f64::from(canvas.height()));
    ctx.set_font(&format!("11px {FONT}"));
    ctx.set_text_align("left");
    ctx.set_fill_style_str("#555566");
    let _ = ctx.fill_text(title, 6.0, 13.0);
    let shown: Vec<&Series> = series.iter().filter(|s| !s.label.is_empty()).collect();
    if shown.is_empty() {
        return;
    }
    // Two columns when there are many, so ten classes fit a small chart.
    let columns = if shown.len() > 5 { 2 } else { 1 };
    let rows = shown.len().div_ceil(columns);
    let text_width = shown.iter().map(|s| s.label.chars().count() as f64 * 6.2).fold(0.0, f64::max);
    let col_w = text_width + 26.0;
    let (box_w, box_h) = (col_w * columns as f64 + 8.0, rows as f64 * 14.0 + 8.0);
    let x = if left { 52.0 } else { (w - 16.0 - box_w - 4.0).max(48.0) };
    let y = (h - 44.0 - box_h).max(24.0);
    ctx.set_fill_style_str("rgba(255,255,255,0.85)");
    ctx.fill_rect(x, y, box_w, box_h);
    ctx.set_stroke_style_str("#ccccdd");
    ctx.set_line_width(1.0);
    ctx.stroke_rect(x + 0.5, y + 0.5, box_w, box_h);
    for (k, s) in shown.iter().enumerate() {
        let (mx, my) = (x + 6.0 + (k / rows) as f64 * col_w, y + 11.0 + (k % rows) as f64 * 14.0);
        let (r, g, b) = s.colour;
        ctx.set_fill_style_str(&format!("rgb({r},{g},{b})"));
        ctx.fill_rect(mx, my - 1.5, 14.0, 3.0);
        ctx.set_fill_style_str("#555566");
        let _ = ctx.fill_text(&s.label, mx + 18.0, my + 4.0);
    }
}

/// The training pixels per intensity bin, on a log scale (most pixels are the black
/// background: on a linear one every other bar would be invisible).
pub fn draw_histogram(canvas: &HtmlCanvasElement, bins: &[u32]) -> Result<(), ChartError> {
    const CHART: &str = "intensity histogram";
    fit_to_panel(canvas);
    let root = area(canvas, CHART)?;
    let top = bins.iter().copied().max().unwrap_or(1).max(1);
    let decades = f64::from(top).log10().ceil().max(1.0);
    let y_ticks: Vec<f64> = (0..=decades as i32).map(f64::from).collect();
    let mut plot = ChartBuilder::on(&root)
        .margin_top(28)
        .margin_right(16)
        .x_label_area_size(36)
        .y_label_area_size(40)
        .build_cartesian_2d(
            TickAxis::new((0.0, 256.0), vec![0.0, 64.0, 128.0, 192.0, 256.0]),
            TickAxis::new((0.0, decades), y_ticks),
        )
        .map_err(failed(CHART))?;
    let y_label = |v: &f64| power_of_ten(v.round() as i32);
    let x_label = |v: &f64| format!("{v}");
    plot.configure_mesh()
        .disable_x_mesh()
        .bold_line_style(GRID)
        .axis_style(GRID)
        .label_style(label_style())
        .axis_desc_style(label_style())
        .x_desc("pixel intensity (0 black … 255 white)")
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .draw()
        .map_err(failed(CHART))?;
    let width = 256.0 / HISTOGRAM_BINS as f64;
    let bars = bins.iter().enumerate().filter(|(_, n)| **n > 0).map(|(i, &n)| {
        let x = i as f64 * width;
        Rectangle::new([(x, 0.0), (x + width * 0.9, f64::from(n).log10())], RGBColor(0x24, 0x56, 0xc8).filled())
    });
    plot.draw_series(bars).map_err(failed(CHART))?;
    root.present().map_err(failed(CHART))?;
    draw_legend(canvas, "pixels (log scale)", &[], false);
    Ok(())
}
