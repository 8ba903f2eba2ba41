//! The gallery of test images (`#gallery`): the evaluated test images with their true class,
//! both answers and the CNN's probability, filtered (`#gallery-filter`: the errors of either
//! classifier, what the SVM fixed or broke, all, or one cell of a confusion matrix) and paged;
//! a tile opens its image in the pad, a matrix cell opens its images here. Which images a
//! filter shows, the paging and the captions are [`crate::view::gallery`], tested natively.

use std::cell::{Cell, RefCell};
use wasm_bindgen::JsCast;
use web_sys::{
    Element, HtmlButtonElement, HtmlCanvasElement, HtmlElement, HtmlOptionElement, HtmlSelectElement, MouseEvent,
};

use super::dom::{by_id, create, el, on, set_hidden, set_text};
use super::pad;
use crate::dataset::{IMAGE_PIXELS, NUM_CLASSES};
use crate::view::chart::MatrixLayout;
use crate::view::gallery::{self, Filter};

/// The evaluated test images and the answers, for the gallery.
struct TestSet {
    images: Vec<u8>,
    labels: Vec<u8>,
    cnn: Vec<u8>,
    confidence: Vec<f32>,
    svm: Option<Vec<u8>>,
}

thread_local! {
    static TEST: RefCell<Option<TestSet>> = const { RefCell::new(None) };
    static PAGE: Cell<usize> = const { Cell::new(0) };
}

/// The gallery's controls (paging above and below the tiles), and the matrices' cells, which
/// open the gallery on their images.
pub fn init() {
    on::<web_sys::Event>("gallery-filter", "change", |_| show_page(0));
    for id in ["gallery-prev", "gallery-prev-bottom"] {
        on::<web_sys::Event>(id, "click", |_| show_page(PAGE.get().saturating_sub(1)));
    }
    for id in ["gallery-next", "gallery-next-bottom"] {
        on::<web_sys::Event>(id, "click", |_| show_page(PAGE.get() + 1));
    }
    on::<MouseEvent>("gallery", "click", |e| open_tile(&e));
    for (id, svm) in [("confusion", false), ("svm-confusion", true)] {
        on::<MouseEvent>(id, "click", move |e| open_cell(id, svm, &e));
    }
}

/// The CNN's test results: the gallery opens on its errors.
pub fn set_test(images: Vec<u8>, labels: Vec<u8>, cnn: Vec<u8>, confidence: Vec<f32>) {
    TEST.set(Some(TestSet { images, labels, cnn, confidence, svm: None }));
    show_filter(Filter::CnnErrors);
}

/// The SVM's answers: the gallery opens on the final answer's errors.
pub fn set_svm(predictions: Vec<u8>) {
    TEST.with_borrow_mut(|test| {
        if let Some(t) = test {
            t.svm = Some(predictions);
        }
    });
    show_filter(Filter::SvmErrors);
}

/// A click on a confusion matrix: the gallery shows that cell's images.
fn open_cell(id: &str, svm: bool, e: &MouseEvent) {
    let canvas: HtmlCanvasElement = by_id(id);
    let rect = canvas.get_bounding_client_rect();
    let scale = f64::from(canvas.width()) / rect.width().max(1.0);
    let (x, y) = ((f64::from(e.client_x()) - rect.left()) * scale, (f64::from(e.client_y()) - rect.top()) * scale);
    let layout = MatrixLayout::new(f64::from(canvas.width()), f64::from(canvas.height()), NUM_CLASSES);
    let Some((truth, predicted)) = layout.cell_at(x, y) else { return };
    show_filter(Filter::Pair { svm, truth: truth as u8, predicted: predicted as u8 });
    el("gallery-panel").scroll_into_view();
}

/// One evaluated test image and the answers to it.
pub struct TestItem {
    pub image: Vec<u8>,
    pub truth: u8,
    pub cnn: u8,
    pub svm: Option<u8>,
}

/// Test image `i` of the results shown, if there is one.
pub fn test_item(i: usize) -> Option<TestItem> {
    TEST.with_borrow(|t| {
        let t = t.as_ref()?;
        Some(TestItem {
            image: t.images.get(i * IMAGE_PIXELS..(i + 1) * IMAGE_PIXELS)?.to_vec(),
            truth: *t.labels.get(i)?,
            cnn: *t.cnn.get(i)?,
            svm: t.svm.as_ref().and_then(|s| s.get(i).copied()),
        })
    })
}

/// The evaluated test images' classes.
pub fn test_labels() -> Vec<u8> {
    TEST.with_borrow(|t| t.as_ref().map(|t| t.labels.clone()).unwrap_or_default())
}

fn show_page(page: usize) {
    PAGE.set(page);
    render_gallery();
}

/// Shows the gallery's first page of `filter`; a matrix cell gets its own `<option>`, the
/// last one's replaced.
fn show_filter(filter: Filter) {
    let select = by_id::<HtmlSelectElement>("gallery-filter");
    if let Ok(Some(old)) = select.query_selector("option[data-cell]") {
        old.remove();
    }
    if matches!(filter, Filter::Pair { .. }) {
        let option: HtmlOptionElement = create("option");
        option.set_value(&filter.value());
        option.set_text(&filter.label());
        let _ = option.set_attribute("data-cell", "");
        let _ = select.append_child(&option);
    }
    select.set_value(&filter.value());
    show_page(0);
}

fn render_gallery() {
    TEST.with_borrow(|test| {
        let Some(t) = test else { return };
        let value = by_id::<HtmlSelectElement>("gallery-filter").value();
        let filter = Filter::from_value(&value).unwrap_or(Filter::All);
        let indices = gallery::indices(filter, &t.labels, &t.cnn, t.svm.as_deref());
        let page = gallery::clamp_page(PAGE.get(), indices.len());
        PAGE.set(page);
        let (text, last) = (gallery::page_text(indices.len(), page), gallery::page_count(indices.len()));
        for suffix in ["", "-bottom"] {
            set_text(&format!("gallery-page{suffix}"), &text);
            by_id::<HtmlButtonElement>(&format!("gallery-prev{suffix}")).set_disabled(page == 0);
            by_id::<HtmlButtonElement>(&format!("gallery-next{suffix}")).set_disabled(page + 1 >= last);
        }
        let tiles = el("gallery");
        tiles.set_inner_html("");
        tiles.set_class_name(if filter.mixes() { "gallery mixed" } else { "gallery" });
        for &i in gallery::page_items(&indices, page) {
            if let Some(tile) = tile(t, i) {
                let _ = tiles.append_child(&tile);
            }
        }
        set_hidden("gallery-panel", false);
    });
}

/// Test image `i` with its true class and the answers, as a button that puts the image on
/// the pad; `None` if its data is missing.
fn tile(t: &TestSet, i: usize) -> Option<HtmlElement> {
    let (truth, cnn, svm) = (*t.labels.get(i)?, *t.cnn.get(i)?, t.svm.as_ref().and_then(|s| s.get(i).copied()));
    let figure: HtmlButtonElement = create("button");
    figure.set_type("button");
    figure.set_class_name(if gallery::is_wrong(truth, cnn, svm) { "tile wrong" } else { "tile" });
    figure.set_title("Open in the pad: its answer, heatmap and nearest training images");
    let canvas = super::images::canvas_of(t.images.get(i * IMAGE_PIXELS..(i + 1) * IMAGE_PIXELS)?);
    let _ = canvas.set_attribute("aria-hidden", "true");
    let _ = figure.set_attribute("aria-label", &format!("{}: open it in the pad", gallery::tile_label(i, truth)));
    let caption: HtmlElement = create("span");
    caption.set_class_name("caption");
    caption.set_inner_html(&gallery::caption_html(i, truth, cnn, svm, t.confidence.get(i).copied()));
    let _ = figure.append_child(&canvas);
    let _ = figure.append_child(&caption);
    let _ = figure.set_attribute("data-index", &i.to_string());
    Some(figure.into())
}

/// A click on a tile (one listener for the whole gallery): its test image goes on the pad.
fn open_tile(e: &MouseEvent) {
    let tile = e.target().and_then(|t| t.dyn_into::<Element>().ok()).and_then(|t| t.closest(".tile").ok().flatten());
    let Some(index) = tile.and_then(|t| t.get_attribute("data-index")).and_then(|i| i.parse::<usize>().ok()) else {
        return;
    };
    let grey = TEST
        .with_borrow(|t| t.as_ref()?.images.get(index * IMAGE_PIXELS..(index + 1) * IMAGE_PIXELS).map(<[u8]>::to_vec));
    if let Some(grey) = grey {
        pad::show_test_image(&grey, index);
    }
}
