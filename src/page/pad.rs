//! The sketch pad and picture upload: strokes are drawn here (pointer events: mouse, pen and
//! touch alike, or the keyboard) and their pixels, or an uploaded picture's, go to the worker.
//! Its answer is drawn by [`super::answer`].
//!
//! At most one picture is with the worker at a time; strokes made meanwhile are sent as one
//! when its answer arrives, so a slow backend never builds a queue and the answer shown is
//! always for the latest drawing.

use std::cell::RefCell;

use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::{Clamped, JsCast, JsValue};
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{
    CanvasRenderingContext2d, Event, File, HtmlButtonElement, HtmlCanvasElement, HtmlInputElement, ImageBitmap,
    ImageData, KeyboardEvent, PointerEvent,
};

use super::dom::{by_id, context_2d, create, el, now_ms, on, read_often_context, set_hidden, set_text, window};
use super::{answer, link, status};
use crate::dataset::IMAGE_SIDE;
use crate::protocol::{Bulk, ToWorker};
use crate::view::picture::{self, UploadError};

const PAPER: &str = "#ffffff";
const INK: &str = "#000000";
/// What the letterboxed upload preview shows around the picture.
const PREVIEW_BACKGROUND: &str = "#ddd";
/// While a stroke goes on it is classified at most this often (ms): a few times a second.
const DRAW_INTERVAL_MS: f64 = 150.0;
/// How far an arrow key moves the pen, in canvas pixels (with Shift: small steps).
const STEP: f64 = 10.0;
const FINE_STEP: f64 = 2.0;
/// `#prediction` with nothing to classify.
const DRAW_SOMETHING: &str = "Draw an item, or choose a picture.";

type Point = (f64, f64);

struct Stroke {
    size: f64,
    erase: bool,
    points: Vec<Point>,
}

/// RGBA pixels, row-major.
#[derive(Clone)]
struct Pixels {
    width: u32,
    height: u32,
    rgba: Vec<u8>,
    /// A test image from the gallery: the worker skips the sketch preprocessing.
    as_is: bool,
}

#[derive(Clone, Copy, Default, PartialEq, Eq)]
enum Source {
    #[default]
    Sketch,
    Upload,
}

#[derive(Default)]
struct Pad {
    /// A model has been in use, or none is coming (`model=none`): download notes no longer
    /// concern the pad.
    note_settled: bool,
    strokes: Vec<Stroke>,
    /// The last of `strokes` is being drawn.
    drawing: bool,
    source: Source,
    /// The last upload, scaled down.
    upload: Option<Pixels>,
    /// The number of the last picture sent, and of the answer shown.
    seq: u32,
    shown: u32,
    in_flight: bool,
    /// Something changed while a picture was with the worker.
    pending: bool,
    last_send: f64,
    /// The keyboard's pen, in canvas pixels.
    pen: Point,
}

thread_local! {
    static PAD: RefCell<Pad> = RefCell::new(Pad::default());
    /// The pad's context, read back often (after every stroke).
    static SKETCH: CanvasRenderingContext2d = read_often_context(&by_id("sketch"));
}

fn with<R>(f: impl FnOnce(&mut Pad) -> R) -> R {
    PAD.with(|p| f(&mut p.borrow_mut()))
}

fn canvas() -> HtmlCanvasElement {
    by_id("sketch")
}

fn ctx() -> CanvasRenderingContext2d {
    SKETCH.with(Clone::clone)
}

fn undo_button() -> HtmlButtonElement {
    by_id("undo-button")
}

/// Sets the pad up: listeners on the pad, its buttons and the upload; white paper.
pub fn init() {
    let c = canvas();
    with(|p| p.pen = (f64::from(c.width()) / 2.0, f64::from(c.height()) / 2.0));
    listen_pointer();
    listen_keyboard();
    listen_buttons();
    on::<Event>("image-input", "change", |_| on_image_chosen());
    paper();
    undo_button().set_disabled(true);
}

/// The worker that runs the model is still downloading: the pad says so (unless a model is
/// already in use, as after a restart).
pub fn on_worker_download(progress: &str) {
    if with(|p| p.note_settled) {
        return;
    }
    let mut chars = progress.chars();
    let progress: String = chars.next().map(|c| c.to_lowercase().chain(chars).collect()).unwrap_or_default();
    set_text(
        "sketch-note",
        &format!("The model is on its way ({progress}). Draw meanwhile; the answer comes once it is in."),
    );
}

/// No model is coming (`model=none`): the pad says what to do instead.
pub fn on_no_model(note: &str) {
    with(|p| p.note_settled = true);
    set_text("sketch-note", note);
}

/// A model is in use (`note` says which): what is on the pad is classified with it.
pub fn on_model_ready(note: &str) {
    with(|p| p.note_settled = true);
    set_text("sketch-note", note);
    let something = with(|p| match p.source {
        Source::Upload => p.upload.is_some(),
        Source::Sketch => !p.strokes.is_empty(),
    });
    if something {
        request();
    }
}

/// A restarted worker never answers the old one's request.
pub fn worker_restarted() {
    with(|p| {
        p.in_flight = false;
        p.pending = false;
    });
}

/// An answer for picture `seq` arrived: the next picture may go (the changes made meanwhile,
/// if any, go now). True if the answer is to be shown: none newer has been shown, and the pad
/// was not cleared since it was sent.
pub fn answered(seq: u32) -> bool {
    let pending = with(|p| {
        p.in_flight = false;
        p.pending
    });
    if pending {
        send();
    }
    with(|p| {
        if seq < p.shown {
            return false;
        }
        p.shown = seq;
        true
    })
}

/// The number of the answer shown (the heatmap that follows it must carry the same).
pub fn shown() -> u32 {
    with(|p| p.shown)
}

// ---- Drawing ----

fn paper() {
    let (c, ctx) = (canvas(), ctx());
    ctx.set_fill_style_str(PAPER);
    ctx.fill_rect(0.0, 0.0, f64::from(c.width()), f64::from(c.height()));
}

fn draw_segment(size: f64, erase: bool, a: Point, b: Point) {
    let ctx = ctx();
    let colour = if erase { PAPER } else { INK };
    ctx.set_stroke_style_str(colour);
    ctx.set_fill_style_str(colour);
    ctx.set_line_width(size);
    ctx.set_line_cap("round");
    ctx.set_line_join("round");
    ctx.begin_path();
    if a == b {
        let _ = ctx.arc(a.0, a.1, size / 2.0, 0.0, 2.0 * std::f64::consts::PI);
        ctx.fill();
        return;
    }
    ctx.move_to(a.0, a.1);
    ctx.line_to(b.0, b.1);
    ctx.stroke();
}

fn redraw() {
    paper();
    let empty = with(|p| {
        for s in &p.strokes {
            draw_segment(s.size, s.erase, s.points[0], s.points[0]);
            for w in s.points.windows(2) {
                draw_segment(s.size, s.erase, w[0], w[1]);
            }
        }
        p.strokes.is_empty()
    });
    undo_button().set_disabled(empty);
}

/// A stroke, from the pointer or the keyboard: started at `p`, then drawn on to each next point.
fn begin_stroke(p: Point) {
    use_sketch();
    let size = by_id::<HtmlInputElement>("brush-size").value_as_number();
    let erase = el("eraser-button").get_attribute("aria-pressed").as_deref() == Some("true");
    with(|pad| {
        pad.strokes.push(Stroke { size, erase, points: vec![p] });
        pad.drawing = true;
    });
    draw_segment(size, erase, p, p);
    undo_button().set_disabled(false);
}

fn extend_stroke(p: Point) {
    let segment = with(|pad| {
        let s = pad.strokes.last_mut().filter(|_| pad.drawing)?;
        let last = *s.points.last()?;
        s.points.push(p);
        Some((s.size, s.erase, last))
    });
    if let Some((size, erase, last)) = segment {
        draw_segment(size, erase, last, p);
    }
}

fn end_stroke() {
    if with(|p| std::mem::replace(&mut p.drawing, false)) {
        request();
    }
}

fn is_drawing() -> bool {
    with(|p| p.drawing)
}

/// Classified as you draw: while the stroke goes on, a few times a second.
fn request_while_drawing() {
    if now_ms() - with(|p| p.last_send) > DRAW_INTERVAL_MS {
        request();
    }
}

fn use_sketch() {
    if with(|p| std::mem::replace(&mut p.source, Source::Sketch)) == Source::Upload {
        set_hidden("upload-preview", true);
    }
}

// ---- Pointer and keyboard ----

/// Where the pointer event `e` is, in canvas pixels (`clientX` is fractional: web-sys's
/// `client_x` would round it).
fn position(e: &JsValue) -> Point {
    let c = canvas();
    let r = c.get_bounding_client_rect();
    let get = |k: &str| Reflect::get(e, &k.into()).ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
    (
        (get("clientX") - r.left()) * f64::from(c.width()) / r.width(),
        (get("clientY") - r.top()) * f64::from(c.height()) / r.height(),
    )
}

/// The points the browser merged into this move (all of them make a smooth line).
fn coalesced(e: &PointerEvent) -> Vec<JsValue> {
    let supported = Reflect::get(e, &"getCoalescedEvents".into()).is_ok_and(|f| f.is_function());
    let events = if supported { e.get_coalesced_events().to_vec() } else { Vec::new() };
    if events.is_empty() { vec![e.clone().into()] } else { events }
}

fn listen_pointer() {
    on::<PointerEvent>("sketch", "pointerdown", |e| {
        if e.button() > 0 {
            return;
        }
        e.prevent_default();
        let _ = canvas().set_pointer_capture(e.pointer_id());
        begin_stroke(position(&e));
    });
    on::<PointerEvent>("sketch", "pointermove", |e| {
        if !is_drawing() {
            return;
        }
        for ev in coalesced(&e) {
            extend_stroke(position(&ev));
        }
        request_while_drawing();
    });
    for event in ["pointerup", "pointercancel", "lostpointercapture"] {
        on::<Event>("sketch", event, |_| end_stroke());
    }
}

/// Keyboard drawing, for people who do not use a pointer: the arrow keys move the pen (Shift:
/// in small steps), Space or Enter puts it down or lifts it (lifting classifies), Escape lifts.
fn listen_keyboard() {
    on::<Event>("sketch", "focus", |_| {
        set_hidden("sketch-cursor", false);
        show_cursor();
    });
    on::<Event>("sketch", "blur", |_| {
        set_hidden("sketch-cursor", true);
        end_stroke();
    });
    on::<KeyboardEvent>("sketch", "keydown", on_key);
}

fn on_key(e: KeyboardEvent) {
    let step = if e.shift_key() { FINE_STEP } else { STEP };
    match e.key().as_str() {
        "ArrowLeft" => move_pen(-step, 0.0),
        "ArrowRight" => move_pen(step, 0.0),
        "ArrowUp" => move_pen(0.0, -step),
        "ArrowDown" => move_pen(0.0, step),
        " " | "Enter" if is_drawing() => end_stroke(),
        " " | "Enter" => begin_stroke(with(|p| p.pen)),
        "Escape" => end_stroke(),
        _ => return,
    }
    e.prevent_default();
    show_cursor();
}

fn move_pen(dx: f64, dy: f64) {
    let c = canvas();
    let (w, h) = (f64::from(c.width()), f64::from(c.height()));
    let pen = with(|p| p.pen);
    let to = ((pen.0 + dx).clamp(0.0, w), (pen.1 + dy).clamp(0.0, h));
    if is_drawing() {
        extend_stroke(to);
        request_while_drawing();
    }
    with(|p| p.pen = to);
}

/// Puts `#sketch-cursor` over the pen; `down` while it draws.
fn show_cursor() {
    let (c, cursor) = (canvas(), el("sketch-cursor"));
    let Some(parent) = c.parent_element() else { return };
    let (r, pr) = (c.get_bounding_client_rect(), parent.get_bounding_client_rect());
    let pen = with(|p| p.pen);
    let left = r.left() - pr.left() + pen.0 * r.width() / f64::from(c.width());
    let top = r.top() - pr.top() + pen.1 * r.height() / f64::from(c.height());
    let style = cursor.style();
    let _ = style.set_property("left", &format!("{left}px"));
    let _ = style.set_property("top", &format!("{top}px"));
    let _ = cursor.class_list().toggle_with_force("down", is_drawing());
}

// ---- Buttons ----

fn listen_buttons() {
    on::<Event>("eraser-button", "click", |_| {
        let eraser = el("eraser-button");
        let on = eraser.get_attribute("aria-pressed").as_deref() != Some("true");
        let _ = eraser.set_attribute("aria-pressed", if on { "true" } else { "false" });
        eraser.set_text_content(Some(if on { "Eraser (on)" } else { "Eraser" }));
    });
    on::<Event>("undo-button", "click", |_| {
        with(|p| {
            p.strokes.pop();
            p.drawing = false;
        });
        redraw();
        request();
    });
    on::<Event>("clear-button", "click", |_| clear());
}

fn clear() {
    with(|p| {
        p.strokes.clear();
        p.drawing = false;
        p.upload = None;
        p.source = Source::Sketch;
    });
    set_hidden("upload-preview", true);
    by_id::<HtmlInputElement>("image-input").set_value("");
    redraw();
    // An answer still on its way is for a picture that is gone.
    with(|p| {
        p.seq += 1;
        p.shown = p.seq;
    });
    answer::show_nothing(DRAW_SOMETHING);
}

// ---- Upload ----

fn on_image_chosen() {
    let input: HtmlInputElement = by_id("image-input");
    let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
    spawn_local(async move {
        match read_upload(&file).await {
            Ok(work) => show_upload(work),
            Err(e) => status::show_error(&e.to_string()),
        }
    });
}

/// The picture in `file`, checked, decoded and scaled down, on its own canvas.
async fn read_upload(file: &File) -> Result<(HtmlCanvasElement, Pixels), UploadError> {
    let name = file.name();
    let unreadable = |_| UploadError::Unreadable { name: name.clone() };
    picture::check_file_size(file.size())?;
    let head = file.slice_with_f64_and_f64(0.0, picture::SNIFF_BYTES as f64).map_err(unreadable)?;
    let head = JsFuture::from(head.array_buffer()).await.map_err(unreadable)?;
    picture::check_header(&name, &Uint8Array::new(&head).to_vec())?;
    let bitmap = window().create_image_bitmap_with_blob(file).map_err(unreadable)?;
    let bitmap: ImageBitmap = JsFuture::from(bitmap).await.map_err(unreadable)?.unchecked_into();
    let scaled = scale_down(&bitmap);
    bitmap.close();
    scaled.ok_or(UploadError::Unreadable { name })
}

fn scale_down(bitmap: &ImageBitmap) -> Option<(HtmlCanvasElement, Pixels)> {
    let (width, height) = picture::scaled_size(bitmap.width(), bitmap.height());
    let work: HtmlCanvasElement = create("canvas");
    work.set_width(width);
    work.set_height(height);
    let wctx = read_often_context(&work);
    let (w, h) = (f64::from(width), f64::from(height));
    wctx.draw_image_with_image_bitmap_and_dw_and_dh(bitmap, 0.0, 0.0, w, h).ok()?;
    let rgba = wctx.get_image_data(0.0, 0.0, w, h).ok()?.data().0;
    Some((work, Pixels { width, height, rgba, as_is: false }))
}

/// A test image from the gallery goes on the pad as a picture, is classified and explained
/// there, and the pad comes into view.
pub fn show_test_image(grey: &[u8], index: usize) {
    show_dataset_image(grey, &format!("Test image {index}"));
}

/// An image of the dataset (`label` names it) on the pad, classified as it is.
pub fn show_dataset_image(grey: &[u8], label: &str) {
    let side = IMAGE_SIDE as u32;
    let rgba = crate::view::colour::gray_rgba(grey);
    let work: HtmlCanvasElement = create("canvas");
    work.set_width(side);
    work.set_height(side);
    let Ok(image) = ImageData::new_with_u8_clamped_array_and_sh(Clamped(&rgba), side, side) else { return };
    if context_2d(&work).put_image_data(&image, 0.0, 0.0).is_err() {
        return;
    }
    // Its pixels shown sharp, as in the gallery; a photo's keep their smooth scaling.
    let preview = context_2d(&by_id::<HtmlCanvasElement>("upload-preview"));
    preview.set_image_smoothing_enabled(false);
    show_upload((work, Pixels { width: side, height: side, rgba, as_is: true }));
    preview.set_image_smoothing_enabled(true);
    let _ = by_id::<HtmlCanvasElement>("upload-preview").set_attribute("aria-label", label);
    el("sketch-panel").scroll_into_view();
}

/// A camera frame on the pad, classified as an upload is (while the worker is busy, the
/// latest frame waits and the others are dropped).
pub fn show_frame(work: HtmlCanvasElement, width: u32, height: u32, rgba: Vec<u8>) {
    put_picture(work, Pixels { width, height, rgba, as_is: false });
}

/// The picture on the pad now, as the worker would get it: RGBA, its size, and whether it is
/// a dataset image to be taken as it is. `None` on an empty pad.
pub fn current_picture() -> Option<(u32, u32, Vec<u8>, bool)> {
    let upload = with(|p| if p.source == Source::Upload { p.upload.clone() } else { None });
    let pixels = match upload {
        Some(u) => Some(u),
        None if with(|p| p.strokes.is_empty()) => None,
        None => pad_pixels(),
    }?;
    Some((pixels.width, pixels.height, pixels.rgba, pixels.as_is))
}

/// The picture goes on the pad, whole and letterboxed, and is classified.
fn show_upload((work, pixels): (HtmlCanvasElement, Pixels)) {
    status::show_error("");
    put_picture(work, pixels);
}

fn put_picture(work: HtmlCanvasElement, pixels: Pixels) {
    let preview: HtmlCanvasElement = by_id("upload-preview");
    let pctx = context_2d(&preview);
    let (pw, ph) = (f64::from(preview.width()), f64::from(preview.height()));
    pctx.set_fill_style_str(PREVIEW_BACKGROUND);
    pctx.fill_rect(0.0, 0.0, pw, ph);
    let (x, y, w, h) = picture::letterbox(pw, ph, f64::from(pixels.width), f64::from(pixels.height));
    let _ = pctx.draw_image_with_html_canvas_element_and_dw_and_dh(&work, x, y, w, h);
    preview.set_hidden(false);
    with(|p| {
        p.upload = Some(pixels);
        p.source = Source::Upload;
    });
    request();
}

// ---- Requests ----

fn request() {
    let busy = with(|p| {
        p.pending |= p.in_flight;
        p.in_flight
    });
    if !busy {
        send();
    }
}

fn send() {
    let upload = with(|p| {
        p.pending = false;
        if p.source == Source::Upload { p.upload.clone() } else { None }
    });
    let pixels = match upload {
        Some(u) => Some(u),
        None if with(|p| p.strokes.is_empty()) => return answer::show_nothing(DRAW_SOMETHING),
        None => pad_pixels(),
    };
    let Some(Pixels { width, height, rgba, as_is }) = pixels else { return };
    let seq = with(|p| {
        p.in_flight = true;
        p.last_send = now_ms();
        p.seq += 1;
        p.seq
    });
    link::post(ToWorker::Classify { seq, width, height, rgba: Bulk(rgba), as_is });
}

fn pad_pixels() -> Option<Pixels> {
    let c = canvas();
    let (width, height) = (c.width(), c.height());
    let data = ctx().get_image_data(0.0, 0.0, f64::from(width), f64::from(height)).ok()?;
    Some(Pixels { width, height, rgba: data.data().0, as_is: false })
}
