//! "Inside the first layer": its filters (`#filters`, all on one colour scale, with a legend
//! of that scale) and their activation maps for the current picture (`#activations`, each on
//! its own). Both grids have the same order; pointing at a filter or a map frames the pair.

use std::cell::RefCell;
use web_sys::{HtmlCanvasElement, MouseEvent};

use super::answer::pixel_canvas;
use super::dom::{by_id, context_2d, on, set_text};
use crate::protocol::MapStack;
use crate::view::bars::score_label;
use crate::view::colour;

/// Space around each filter in its cell of `#filters`, in canvas pixels.
const FILTER_MARGIN: f64 = 2.0;
const FRAME: &str = "#f2a900";
const HINT: &str = "Point at a filter or a map to see which belong together.";

#[derive(Default)]
struct Shown {
    filters: Option<MapStack>,
    maps: Option<MapStack>,
    pointed: Option<usize>,
}

thread_local! {
    static SHOWN: RefCell<Shown> = RefCell::new(Shown::default());
}

/// Listens for the pointer over both grids.
pub fn init() {
    for id in ["filters", "activations"] {
        on::<MouseEvent>(id, "mousemove", move |e| point(id, &e));
        on::<MouseEvent>(id, "click", move |e| point(id, &e));
        on::<MouseEvent>(id, "mouseleave", |_| set_pointed(None));
    }
    set_text("inside-caption", HINT);
}

/// A new answer's filters and maps.
pub fn show(filters: &MapStack, maps: &MapStack) {
    SHOWN.with_borrow_mut(|s| {
        s.filters = Some(filters.clone());
        s.maps = Some(maps.clone());
    });
    let max = colour::filter_scale(&filters.values);
    set_text("filter-scale-min", &score_label(-max));
    set_text("filter-scale-max", &score_label(max));
    redraw();
}

/// No answer any more: the maps are cleared (the answer's canvases are), and pointing at
/// them shows nothing until the next answer.
pub fn clear() {
    SHOWN.set(Shown::default());
    set_text("inside-caption", HINT);
}

fn point(id: &str, e: &MouseEvent) {
    let canvas: HtmlCanvasElement = by_id(id);
    let rect = canvas.get_bounding_client_rect();
    let fx = (f64::from(e.client_x()) - rect.left()) / rect.width().max(1.0);
    let fy = (f64::from(e.client_y()) - rect.top()) / rect.height().max(1.0);
    let count = SHOWN.with_borrow(|s| s.filters.as_ref().map_or(0, |f| f.count as usize));
    set_pointed(colour::grid_index(fx, fy, count));
}

fn set_pointed(k: Option<usize>) {
    if SHOWN.with_borrow_mut(|s| std::mem::replace(&mut s.pointed, k)) == k {
        return;
    }
    let text = k.map_or_else(
        || HINT.to_string(),
        |k| {
            format!(
                "Filter {} and its map, framed: the map is bright where the picture matches the filter's pattern.",
                k + 1
            )
        },
    );
    set_text("inside-caption", &text);
    redraw();
}

fn redraw() {
    SHOWN.with_borrow(|s| {
        if let Some(f) = &s.filters {
            draw_filters(&by_id("filters"), f, s.pointed);
        }
        if let Some(m) = &s.maps {
            draw_maps(&by_id("activations"), m, s.pointed);
        }
    });
}

/// The frame around grid place `k` of a canvas of `rows` rows.
fn frame(canvas: &HtmlCanvasElement, k: usize, rows: usize) {
    let ctx = context_2d(canvas);
    let cols = colour::MAP_COLUMNS;
    let (w, h) = (f64::from(canvas.width()) / cols as f64, f64::from(canvas.height()) / rows.max(1) as f64);
    ctx.set_stroke_style_str(FRAME);
    ctx.set_line_width(3.0);
    ctx.stroke_rect((k % cols) as f64 * w + 1.5, (k / cols) as f64 * h + 1.5, w - 3.0, h - 3.0);
}

/// Kernels in blue (negative) to red (positive), all on one scale so their strengths compare.
fn draw_filters(canvas: &HtmlCanvasElement, filters: &MapStack, pointed: Option<usize>) {
    let ctx = context_2d(canvas);
    let (side, count) = (filters.side as usize, filters.count as usize);
    let cols = colour::MAP_COLUMNS;
    let cell = f64::from(canvas.width()) / cols as f64;
    let px = (cell - 2.0 * FILTER_MARGIN) / side as f64;
    let max = colour::filter_scale(&filters.values);
    ctx.clear_rect(0.0, 0.0, f64::from(canvas.width()), f64::from(canvas.height()));
    for k in 0..count {
        let ox = (k % cols) as f64 * cell + FILTER_MARGIN;
        let oy = (k / cols) as f64 * cell + FILTER_MARGIN;
        for i in 0..side * side {
            let v = filters.values.get(k * side * side + i).map_or(f64::NAN, |&v| f64::from(v));
            let (r, g, b) = colour::filter_rgb(v / max);
            ctx.set_fill_style_str(&format!("rgb({r},{g},{b})"));
            let (x, y) = (ox + (i % side) as f64 * px, oy + (i / side) as f64 * px);
            ctx.fill_rect(x, y, px.ceil(), px.ceil());
        }
    }
    if let Some(k) = pointed {
        frame(canvas, k, count.div_ceil(cols));
    }
}

/// Each activation map on its own scale (black 0, white its maximum), 8 to a row.
fn draw_maps(canvas: &HtmlCanvasElement, maps: &MapStack, pointed: Option<usize>) {
    let grid = colour::map_grid(&maps.values, maps.side as usize, maps.count as usize);
    let Some(tmp) = pixel_canvas(&grid.rgba, grid.width, grid.height) else { return };
    let ctx = context_2d(canvas);
    let w = f64::from(canvas.width());
    ctx.set_image_smoothing_enabled(false);
    ctx.clear_rect(0.0, 0.0, w, f64::from(canvas.height()));
    let h = w * grid.height as f64 / grid.width as f64;
    let _ = ctx.draw_image_with_html_canvas_element_and_dw_and_dh(&tmp, 0.0, 0.0, w, h);
    if let Some(k) = pointed {
        frame(canvas, k, (maps.count as usize).div_ceil(colour::MAP_COLUMNS));
    }
}
