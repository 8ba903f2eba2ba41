//! The feature map (`#feature-map`): the CNN's penultimate features of the evaluated test
//! images on their two principal axes, a dot per image coloured by its class. Pointing at a
//! dot shows its image and both answers; a click opens it in the pad; the picture on the pad
//! is the ringed black dot, moving as it is drawn.

use std::cell::RefCell;
use web_sys::{HtmlCanvasElement, MouseEvent};

use super::dom::{by_id, context_2d, el, on, set_data, set_hidden, set_text};
use super::{gallery, pad};
use crate::dataset::CLASS_NAMES;
use crate::protocol::FeatureProjection;
use crate::view::colour::CLASS_COLOURS;
use crate::view::format::pct;
use crate::view::scatter::ScatterLayout;

/// Room at the canvas' right for the classes' legend.
const LEGEND: f64 = 104.0;
const MARGIN: f64 = 10.0;

#[derive(Default)]
struct Map {
    points: Vec<f32>,
    drawing: Option<[f32; 2]>,
}

thread_local! {
    static MAP: RefCell<Option<Map>> = const { RefCell::new(None) };
}

pub fn init() {
    on::<MouseEvent>("feature-map", "mousemove", |e| hover(&e));
    on::<MouseEvent>("feature-map", "click", |e| {
        if let Some((i, item)) = point_at(&e).and_then(|i| Some((i, gallery::test_item(i)?))) {
            pad::show_test_image(&item.image, i);
        }
    });
}

pub fn clear() {
    MAP.set(None);
    set_hidden("feature-map-panel", true);
    let e = el("feature-map");
    for name in ["points", "method", "drawing"] {
        set_data(&e, name, None);
    }
}

pub fn on_map(map: FeatureProjection) {
    let e = el("feature-map");
    let count = map.points.len() / 2;
    set_data(&e, "points", Some(&count.to_string()));
    set_data(&e, "method", Some(&map.method));
    set_text(
        "feature-map-note",
        &format!(
            "{} test images on the two directions along which the CNN's features vary most (PCA: together {} of their variance). Images the CNN finds alike lie close.",
            crate::view::format::thousands(count as u64),
            pct(map.explained)
        ),
    );
    MAP.set(Some(Map { points: map.points.0, drawing: None }));
    set_hidden("feature-map-panel", false);
    redraw();
}

/// The pad's picture, where the current model puts it (`None`: no map for this model).
pub fn on_drawing(point: Option<[f32; 2]>) {
    let changed = MAP.with_borrow_mut(|m| match m {
        Some(m) => {
            m.drawing = point;
            true
        }
        None => false,
    });
    if changed {
        let text = point.map(|[x, y]| format!("{x:.3},{y:.3}"));
        set_data(&el("feature-map"), "drawing", text.as_deref());
        redraw();
    }
}

fn layout(canvas: &HtmlCanvasElement, points: &[f32]) -> ScatterLayout {
    let size = (f64::from(canvas.width()) - LEGEND, f64::from(canvas.height()));
    ScatterLayout::fit(points, size, MARGIN)
}

pub fn redraw() {
    let canvas: HtmlCanvasElement = by_id("feature-map");
    MAP.with_borrow(|m| {
        let Some(m) = m else { return };
        super::charts::fit_to_panel(&canvas);
        let ctx = context_2d(&canvas);
        let (w, h) = (f64::from(canvas.width()), f64::from(canvas.height()));
        ctx.clear_rect(0.0, 0.0, w, h);
        let l = layout(&canvas, &m.points);
        let labels = gallery::test_labels();
        for (i, p) in m.points.chunks_exact(2).enumerate() {
            let (r, g, b) =
                labels.get(i).and_then(|&c| CLASS_COLOURS.get(usize::from(c))).copied().unwrap_or((0, 0, 0));
            ctx.set_fill_style_str(&format!("rgba({r},{g},{b},0.55)"));
            let (x, y) = l.to_pixel(p[0], p[1]);
            ctx.fill_rect(x - 1.0, y - 1.0, 2.5, 2.5);
        }
        if let Some([x, y]) = m.drawing {
            let (x, y) = l.to_pixel(x, y);
            ctx.set_fill_style_str("#000");
            ctx.begin_path();
            let _ = ctx.arc(x, y, 5.0, 0.0, std::f64::consts::TAU);
            ctx.fill();
            ctx.set_stroke_style_str("#fff");
            ctx.set_line_width(2.0);
            ctx.stroke();
            ctx.set_fill_style_str("#000");
            ctx.set_font("bold 11px system-ui, sans-serif");
            let _ = ctx.fill_text("your picture", x + 8.0, y - 6.0);
        }
        draw_classes(&ctx, w);
    });
}

fn draw_classes(ctx: &web_sys::CanvasRenderingContext2d, w: f64) {
    ctx.set_font("11px system-ui, sans-serif");
    ctx.set_text_align("left");
    for (i, (name, (r, g, b))) in CLASS_NAMES.iter().zip(CLASS_COLOURS).enumerate() {
        let y = 16.0 + i as f64 * 16.0;
        ctx.set_fill_style_str(&format!("rgb({r},{g},{b})"));
        ctx.fill_rect(w - LEGEND + 6.0, y - 7.0, 8.0, 8.0);
        ctx.set_fill_style_str("#333");
        let _ = ctx.fill_text(name, w - LEGEND + 18.0, y);
    }
}

/// The test image under the pointer, if any.
fn point_at(e: &MouseEvent) -> Option<usize> {
    let canvas: HtmlCanvasElement = by_id("feature-map");
    let rect = canvas.get_bounding_client_rect();
    let scale = f64::from(canvas.width()) / rect.width().max(1.0);
    let (x, y) = ((f64::from(e.client_x()) - rect.left()) * scale, (f64::from(e.client_y()) - rect.top()) * scale);
    MAP.with_borrow(|m| {
        let m = m.as_ref()?;
        layout(&canvas, &m.points).nearest(&m.points, (x, y), 6.0)
    })
}

/// The pointed-at image and both answers, under the map.
fn hover(e: &MouseEvent) {
    let Some(item) = point_at(e).and_then(|i| gallery::test_item(i).map(|t| (i, t))) else { return };
    let (i, t) = item;
    let name = |c: u8| CLASS_NAMES.get(usize::from(c)).copied().unwrap_or("?");
    let mut text = format!("Test image {i}: a {}; the CNN says {}", name(t.truth), name(t.cnn));
    if let Some(s) = t.svm {
        text.push_str(&format!(", CNN + SVM says {}", name(s)));
    }
    text.push_str(". Click to open it in the pad.");
    let info = el("feature-map-info");
    info.set_inner_html("");
    let _ = info.append_child(&super::images::canvas_of(&t.image));
    let _ = info.append_child(&super::dom::create_text("span", &text));
}
