//! The dataset explorer (`#dataset-view`), usable before any training: each split's class
//! counts, each class's mean image, the pixel-intensity histogram, and a paged grid of one
//! class's training images, each of which opens in the pad to be classified as it is.

use std::cell::{Cell, RefCell};
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlButtonElement, HtmlCanvasElement, HtmlOptionElement, HtmlSelectElement, MouseEvent};

use super::dom::{by_id, context_2d, create, el, on, set_data, set_hidden, set_text};
use super::{link, pad, plots, status};
use crate::dataset::{CLASS_NAMES, IMAGE_PIXELS};
use crate::protocol::{DatasetView, SamplePage, ToWorker};
use crate::view::format::thousands;

thread_local! {
    static PAGE: Cell<u32> = const { Cell::new(0) };
    /// The page of samples shown: its indices and images, for a click.
    static SHOWN: RefCell<Option<SamplePage>> = const { RefCell::new(None) };
    static VIEW: RefCell<Option<DatasetView>> = const { RefCell::new(None) };
}

pub fn init() {
    let select: HtmlSelectElement = by_id("explore-class");
    for (i, name) in CLASS_NAMES.iter().enumerate() {
        let option: HtmlOptionElement = create("option");
        option.set_value(&i.to_string());
        option.set_text(name);
        let _ = select.append_child(&option);
    }
    on::<web_sys::Event>("explore-class", "change", |_| ask(0));
    on::<web_sys::Event>("samples-prev", "click", |_| ask(PAGE.get().saturating_sub(1)));
    on::<web_sys::Event>("samples-next", "click", |_| ask(PAGE.get() + 1));
    on::<MouseEvent>("samples", "click", |e| open_sample(&e));
}

fn class() -> u8 {
    by_id::<HtmlSelectElement>("explore-class").value().parse().unwrap_or(0)
}

fn ask(page: u32) {
    link::post(ToWorker::Samples { class: class(), page });
}

/// The dataset is in: its numbers, and the first page of the chosen class.
pub fn on_view(view: DatasetView) {
    let e = el("dataset-view");
    let join = |c: &[u32]| c.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
    set_data(&e, "train-counts", Some(&join(&view.train_counts)));
    set_data(&e, "test-counts", Some(&join(&view.test_counts)));
    let rows: String = CLASS_NAMES
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let count = |c: &[u32]| thousands(c.get(i).copied().unwrap_or(0));
            format!(
                "<tr><td>{name}</td><td data-label=\"Training images\">{}</td><td data-label=\"Test images\">{}</td></tr>",
                count(&view.train_counts),
                count(&view.test_counts)
            )
        })
        .collect();
    if let Ok(Some(body)) = el("class-counts").query_selector("tbody") {
        body.set_inner_html(&rows);
    }
    set_hidden("dataset-view", false);
    set_text("dataset-note", "Every class has as many images as the others: accuracy is a fair summary here.");
    VIEW.set(Some(view));
    redraw();
    ask(0);
}

/// Draws the means and the histogram at the width they are shown (also after a resize).
pub fn redraw() {
    VIEW.with_borrow(|view| {
        let Some(view) = view else { return };
        draw_means(&view.means);
        if let Err(e) = plots::draw_histogram(&by_id("intensity-histogram"), &view.histogram) {
            status::show_error(&e.to_string());
        }
    });
}

/// The ten mean images in a row, each scaled up, its class under it.
fn draw_means(means: &[u8]) {
    let canvas: HtmlCanvasElement = by_id("class-means");
    super::charts::fit_to_panel(&canvas);
    let ctx = context_2d(&canvas);
    let (w, h) = (f64::from(canvas.width()), f64::from(canvas.height()));
    ctx.clear_rect(0.0, 0.0, w, h);
    let cell = (w / 10.0).floor();
    let side = (cell - 6.0).min(h - 16.0).max(8.0);
    ctx.set_image_smoothing_enabled(false);
    ctx.set_font("10px system-ui, sans-serif");
    ctx.set_text_align("center");
    ctx.set_fill_style_str("#222");
    for (i, image) in means.chunks_exact(IMAGE_PIXELS).enumerate() {
        let x = i as f64 * cell + (cell - side) / 2.0;
        let tile = super::images::canvas_of(image);
        let _ = ctx.draw_image_with_html_canvas_element_and_dw_and_dh(&tile, x, 0.0, side, side);
        let name = CLASS_NAMES.get(i).copied().unwrap_or("?");
        let _ = ctx.fill_text(name.split('/').next().unwrap_or(name), i as f64 * cell + cell / 2.0, side + 12.0);
    }
}

/// A page of samples arrived.
pub fn on_samples(page: SamplePage) {
    if page.class != class() {
        return;
    }
    PAGE.set(page.page);
    let text = format!(
        "Page {} of {} ({} {} images)",
        page.page + 1,
        page.pages,
        thousands(page.total),
        CLASS_NAMES.get(usize::from(page.class)).copied().unwrap_or("?")
    );
    set_text("samples-page", &text);
    by_id::<HtmlButtonElement>("samples-prev").set_disabled(page.page == 0);
    by_id::<HtmlButtonElement>("samples-next").set_disabled(page.page + 1 >= page.pages);
    let grid = el("samples");
    grid.set_inner_html("");
    for (k, (&index, image)) in page.indices.iter().zip(page.images.chunks_exact(IMAGE_PIXELS)).enumerate() {
        let tile: HtmlButtonElement = create("button");
        tile.set_type("button");
        tile.set_class_name("tile");
        let _ = tile.set_attribute("data-index", &index.to_string());
        let _ = tile.set_attribute("data-slot", &k.to_string());
        let _ = tile.set_attribute("aria-label", &format!("Training image {index}: open it in the pad"));
        let canvas = super::images::canvas_of(image);
        let _ = canvas.set_attribute("aria-hidden", "true");
        let _ = tile.append_child(&canvas);
        let _ = grid.append_child(&tile);
    }
    SHOWN.set(Some(page));
}

/// A click on a sample: the pad classifies it as it is, as the test images of the gallery.
fn open_sample(e: &MouseEvent) {
    let tile = e.target().and_then(|t| t.dyn_into::<Element>().ok()).and_then(|t| t.closest(".tile").ok().flatten());
    let Some(slot) = tile.and_then(|t| t.get_attribute("data-slot")).and_then(|i| i.parse::<usize>().ok()) else {
        return;
    };
    let picked = SHOWN.with_borrow(|s| {
        let s = s.as_ref()?;
        Some((s.indices.get(slot).copied()?, s.images.get(slot * IMAGE_PIXELS..(slot + 1) * IMAGE_PIXELS)?.to_vec()))
    });
    if let Some((index, grey)) = picked {
        pad::show_dataset_image(&grey, &format!("Training image {index}"));
    }
}
