//! The answer to a drawing or picture: `#prediction` (its text and data attributes), the
//! 28x28 image the model sees, bars for both classifiers, the occlusion heatmap, the first
//! layer's filters and activation maps, and the nearest training images.

use std::cell::Cell;
use wasm_bindgen::Clamped;
use web_sys::{HtmlCanvasElement, HtmlElement, ImageData};

use super::dom::{by_id, context_2d, create, create_text, el, set_data, set_text};
use super::{inside, pad};
use crate::dataset::{IMAGE_PIXELS, IMAGE_SIDE, TRAIN_COUNT};
use crate::protocol::{Answer, Neighbours, Prediction};
use crate::view::bars::{self, Scale};
use crate::view::colour;
use crate::view::format::{thousands, to_fixed};

const NO_MODEL: &str = "No model yet: press Train below, or load a model file, and the pad will classify with it.";
const EMPTY: &str = "Nothing stands out from the background: draw darker or bigger, or choose another picture.";
const NO_SVM: &str = "The SVM is fitted after training finishes.";
/// The side of a neighbour's tile: the image at twice its size.
const TILE_SIDE: u32 = 2 * IMAGE_SIDE as u32;

fn class_name(class: usize) -> String {
    super::classes::name_of(class)
}

fn canvas(id: &str) -> HtmlCanvasElement {
    by_id(id)
}

/// No answer: `text` in `#prediction`, its class attributes gone, the pictures and bars empty.
pub fn show_nothing(text: &str) {
    let prediction = el("prediction");
    for name in ["class", "label", "cnn-class", "cnn-label", "millis", "heat-millis", "disagree"] {
        set_data(&prediction, name, None);
    }
    prediction.set_text_content(Some(text));
    for id in ["cnn-bars", "svm-bars", "neighbours"] {
        el(id).replace_children_with_node_0();
    }
    for id in ["model-view", "heatmap", "activations"] {
        let c = canvas(id);
        context_2d(&c).clear_rect(0.0, 0.0, f64::from(c.width()), f64::from(c.height()));
    }
    inside::clear();
    super::feature_map::on_drawing(None);
}

/// The worker's answer to a picture the pad sent.
pub fn on_prediction(p: Prediction) {
    if !pad::answered(p.seq) {
        return;
    }
    set_data(&el("prediction"), "seq", Some(&p.seq.to_string()));
    super::feature_map::on_drawing(p.answer.as_ref().and_then(|a| a.map_point));
    let view = canvas("model-view");
    draw_gray(&view, &p.image);
    match &p.answer {
        _ if p.has_model && p.empty => show_nothing(EMPTY),
        Some(answer) if p.has_model => show_answer(&p, answer),
        _ => {
            show_nothing(NO_MODEL);
            draw_gray(&view, &p.image);
        }
    }
}

/// The occlusion heatmap that follows an answer, if that answer is still the one shown.
pub fn on_heatmap(seq: u32, class: u8, heat: &[f32], image: &[u8], millis: f64) {
    if seq != pad::shown() {
        return;
    }
    draw_heat(&canvas("heatmap"), image, heat);
    let caption = format!("Where hiding part of the picture lowers \"{}\" most (red)", class_name(usize::from(class)));
    set_text("heatmap-caption", &caption);
    set_data(&el("prediction"), "heat-millis", Some(&to_fixed(millis, 0)));
}

fn show_answer(p: &Prediction, a: &Answer) {
    headline(p, a);
    draw_bars("cnn-bars", &a.probabilities, Scale::Probability, bars::probability_label);
    match &a.svm {
        Some(svm) => draw_bars("svm-bars", &svm.scores, Scale::Margin, bars::score_label),
        None => el("svm-bars").replace_children_with_node_1(&create_text("p", NO_SVM)),
    }
    inside::show(&a.filters, &a.activations);
    draw_neighbours(a.neighbours.as_ref());
}

/// `#prediction`: the final answer in bold and which classifier gave it; when the CNN head
/// says otherwise, a flag with its answer (`data-disagree`); how the picture was read. The
/// classes are also data attributes.
fn headline(p: &Prediction, a: &Answer) {
    let cnn = usize::from(a.cnn_class);
    let class = a.svm.as_ref().map_or(cnn, |s| usize::from(s.class));
    let prediction = el("prediction");
    set_data(&prediction, "class", Some(&class.to_string()));
    set_data(&prediction, "label", Some(&class_name(class)));
    set_data(&prediction, "cnn-class", Some(&cnn.to_string()));
    set_data(&prediction, "cnn-label", Some(&class_name(cnn)));
    set_data(&prediction, "millis", Some(&to_fixed(a.millis, 0)));
    set_data(&prediction, "disagree", (class != cnn).then_some("1"));
    let probability = a.probabilities.get(cnn).map_or(f64::NAN, |&v| f64::from(v));
    let sure = format!("{} %", to_fixed(100.0 * probability, 0));
    prediction.replace_children_with_node_1(&create_text("strong", &class_name(class)));
    let said = match &a.svm {
        None => format!(" — by the CNN head ({sure}); the SVM is not fitted yet"),
        Some(_) if class == cnn => format!(" — CNN + SVM and the CNN head agree (head: {sure})"),
        Some(_) => " — by CNN + SVM".to_string(),
    };
    let _ = prediction.append_with_str_1(&said);
    if class != cnn {
        let flag = create_text("span", &format!("The two disagree: the CNN head says {} ({sure}).", class_name(cnn)));
        flag.set_class_name("disagree");
        let _ = prediction.append_with_str_1(" ");
        let _ = prediction.append_with_node_1(&flag);
    }
    let how: Vec<&str> =
        [p.inverted.then_some("inverted (dark on light)"), p.filled_outline.then_some("outline filled in")]
            .into_iter()
            .flatten()
            .collect();
    if !how.is_empty() {
        let _ = prediction.append_with_str_1(&format!(" · read as {}", how.join(", ")));
    }
}

/// The top five classes as `.bar-row`s in `#{id}`: name, bar, value.
fn draw_bars(id: &str, values: &[f32], scale: Scale, label: fn(f64) -> String) {
    let host = el(id);
    host.replace_children_with_node_0();
    for bar in bars::top_bars(values, scale) {
        let row: HtmlElement = create("div");
        row.set_class_name("bar-row");
        let track: HtmlElement = create("span");
        track.set_class_name(if scale == Scale::Margin { "bar-track margin" } else { "bar-track" });
        let fill: HtmlElement = create("span");
        fill.set_class_name("bar-fill");
        let _ = fill.style().set_property("width", &bar.css_width());
        let _ = fill.style().set_property("margin-left", &bar.css_start());
        if bar.is_negative() {
            fill.set_class_name("bar-fill negative");
        }
        let _ = track.append_child(&fill);
        let name = create_text("span", &class_name(bar.class));
        let _ = row.append_with_node_3(&name, &track, &create_text("span", &label(bar.value)));
        let _ = host.append_child(&row);
    }
}

/// A new canvas of `width` x `height` holding these RGBA pixels (short data: transparent).
pub(super) fn pixel_canvas(rgba: &[u8], width: usize, height: usize) -> Option<HtmlCanvasElement> {
    let mut rgba = rgba.to_vec();
    rgba.resize(4 * width * height, 0);
    let image = ImageData::new_with_u8_clamped_array_and_sh(Clamped(&rgba), width as u32, height as u32).ok()?;
    let tmp: HtmlCanvasElement = create("canvas");
    tmp.set_width(width as u32);
    tmp.set_height(height as u32);
    context_2d(&tmp).put_image_data(&image, 0.0, 0.0).ok()?;
    Some(tmp)
}

/// A 28x28 grey image over the whole canvas, its pixels kept sharp.
fn draw_gray(canvas: &HtmlCanvasElement, pixels: &[u8]) {
    let pixels = &pixels[..pixels.len().min(IMAGE_PIXELS)];
    let Some(tmp) = pixel_canvas(&colour::gray_rgba(pixels), IMAGE_SIDE, IMAGE_SIDE) else {
        return;
    };
    let ctx = context_2d(canvas);
    let (w, h) = (f64::from(canvas.width()), f64::from(canvas.height()));
    ctx.set_image_smoothing_enabled(false);
    ctx.clear_rect(0.0, 0.0, w, h);
    let _ = ctx.draw_image_with_html_canvas_element_and_dw_and_dh(&tmp, 0.0, 0.0, w, h);
}

/// The heatmap over the image the model sees, smoothed.
fn draw_heat(canvas: &HtmlCanvasElement, image: &[u8], heat: &[f32]) {
    let image = &image[..image.len().min(IMAGE_PIXELS)];
    let Some(tmp) = pixel_canvas(&colour::heat_rgba(image, heat), IMAGE_SIDE, IMAGE_SIDE) else {
        return;
    };
    let ctx = context_2d(canvas);
    let (w, h) = (f64::from(canvas.width()), f64::from(canvas.height()));
    ctx.set_image_smoothing_enabled(true);
    let _ = ctx.draw_image_with_html_canvas_element_and_dw_and_dh(&tmp, 0.0, 0.0, w, h);
}

thread_local! {
    /// The training images whose features have been extracted for the search, while that
    /// goes on.
    static INDEXING: Cell<Option<(u32, u32)>> = const { Cell::new(None) };
}

/// Progress of the search index of a loaded model's training features.
pub fn on_index_progress(done: u32, total: u32) {
    INDEXING.set((done < total).then_some((done, total)));
    let strip = el("neighbours");
    if strip.query_selector("figure").ok().flatten().is_none() {
        strip.replace_children_with_node_1(&create_text("p", &why_no_neighbours()));
    }
}

fn why_no_neighbours() -> String {
    match INDEXING.get() {
        Some((done, total)) => format!(
            "Extracting the model's features of the training images, to search them: {} of {} done.",
            thousands(done),
            thousands(total)
        ),
        None => format!(
            "The training images are searched once the dataset is in and the model's features \
             of all {} have been extracted (about a minute on the CPU).",
            thousands(TRAIN_COUNT as u64)
        ),
    }
}

/// The nearest training images as `figure.tile`s, each with its similarity, or why there are
/// none yet.
fn draw_neighbours(neighbours: Option<&Neighbours>) {
    let strip = el("neighbours");
    strip.replace_children_with_node_0();
    let Some(n) = neighbours else {
        let _ = strip.append_child(&create_text("p", &why_no_neighbours()));
        return;
    };
    for (k, &index) in n.indices.iter().enumerate() {
        let label = n.labels.get(k).map_or_else(|| "?".to_string(), |&l| class_name(usize::from(l)));
        let tile: HtmlCanvasElement = create("canvas");
        tile.set_width(TILE_SIDE);
        tile.set_height(TILE_SIDE);
        draw_gray(&tile, n.images.get(k * IMAGE_PIXELS..(k + 1) * IMAGE_PIXELS).unwrap_or(&[]));
        let _ = tile.set_attribute("aria-label", &format!("Training image {index}: {label}"));
        let similarity = n.similarity.get(k).map_or(f64::NAN, |&s| f64::from(s));
        let caption = create_text("figcaption", &format!("{label} {}", to_fixed(similarity, 2)));
        caption.set_title("similarity: the cosine of the two images' CNN features (1 = alike)");
        let figure: HtmlElement = create("figure");
        figure.set_class_name("tile");
        let _ = figure.append_with_node_2(&tile, &caption);
        let _ = strip.append_child(&figure);
    }
}
