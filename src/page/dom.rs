//! Small typed helpers over web-sys for the page's modules: find elements, set text and data
//! attributes, create elements, listen to events. Every element the page uses is in
//! `index.html`; a missing one is a build mistake, reported once in `#error`.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{CanvasRenderingContext2d, Document, Element, EventTarget, HtmlCanvasElement, HtmlElement, Window};

pub fn window() -> Window {
    web_sys::window().expect("the page runs in a window")
}

pub fn document() -> Document {
    window().document().expect("the window has a document")
}

/// The element with this id, as the type the page expects it to be.
pub fn by_id<T: JsCast>(id: &str) -> T {
    document()
        .get_element_by_id(id)
        .unwrap_or_else(|| panic!("index.html has no #{id}"))
        .dyn_into::<T>()
        .unwrap_or_else(|_| panic!("#{id} is not the kind of element the page expects"))
}

pub fn el(id: &str) -> HtmlElement {
    by_id(id)
}

pub fn set_text(id: &str, text: &str) {
    el(id).set_text_content(Some(text));
}

pub fn text_of(id: &str) -> String {
    el(id).text_content().unwrap_or_default()
}

/// Sets (`Some`) or removes (`None`) the attribute `data-{name}` (`name` in kebab-case).
pub fn set_data(el: &Element, name: &str, value: Option<&str>) {
    let attr = format!("data-{name}");
    let _ = match value {
        Some(v) => el.set_attribute(&attr, v),
        None => el.remove_attribute(&attr),
    };
}

pub fn data(el: &Element, name: &str) -> Option<String> {
    el.get_attribute(&format!("data-{name}"))
}

pub fn set_hidden(id: &str, hidden: bool) {
    el(id).set_hidden(hidden);
}

/// A new element of `tag`, as type `T`.
pub fn create<T: JsCast>(tag: &str) -> T {
    document().create_element(tag).expect("a valid tag").dyn_into::<T>().expect("the element type of the tag")
}

/// A new element with its text.
pub fn create_text(tag: &str, text: &str) -> HtmlElement {
    let e: HtmlElement = create(tag);
    e.set_text_content(Some(text));
    e
}

/// Calls `f` for every `event` on `target`, for the page's lifetime.
pub fn listen<E: JsCast + 'static>(target: &EventTarget, event: &str, mut f: impl FnMut(E) + 'static) {
    let closure = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| f(e.unchecked_into::<E>()));
    let _ = target.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
    closure.forget();
}

/// [`listen`] on the element with this id.
pub fn on<E: JsCast + 'static>(id: &str, event: &str, f: impl FnMut(E) + 'static) {
    listen(&el(id), event, f);
}

/// The canvas's 2-D context.
pub fn context_2d(canvas: &HtmlCanvasElement) -> CanvasRenderingContext2d {
    canvas.get_context("2d").ok().flatten().expect("a canvas has a 2-D context").unchecked_into()
}

/// The canvas's 2-D context kept in memory rather than on the GPU: for canvases read back
/// often (the pad) or made by the dozen (image tiles: 32 took 3 ms this way against 7.5 ms).
pub fn read_often_context(canvas: &HtmlCanvasElement) -> CanvasRenderingContext2d {
    let options = web_sys::ContextAttributes2d::new();
    options.set_will_read_frequently(true);
    match canvas.get_context_with_context_options("2d", &options) {
        Ok(Some(c)) => c.unchecked_into(),
        _ => context_2d(canvas),
    }
}

/// Runs `f` once after `ms` milliseconds.
pub fn after(ms: i32, f: impl FnOnce() + 'static) {
    let closure = Closure::once_into_js(f);
    let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(closure.unchecked_ref(), ms);
}

/// Milliseconds since the page started (`performance.now()`).
pub fn now_ms() -> f64 {
    window().performance().map_or(0.0, |p| p.now())
}

/// A JavaScript error as a line of text: `name: message`, or its string form.
pub fn js_error(e: &JsValue) -> String {
    let field = |k: &str| js_sys::Reflect::get(e, &k.into()).ok().and_then(|v| v.as_string()).filter(|s| !s.is_empty());
    match (field("name"), field("message")) {
        (Some(name), Some(message)) => format!("{name}: {message}"),
        (None, Some(message)) => message,
        _ => e.as_string().unwrap_or_else(|| format!("{e:?}")),
    }
}

/// How long a download's object URL lives: the browser has started the download by then.
const REVOKE_AFTER_MS: i32 = 10_000;

/// Offers `bytes` as a file called `name` to download.
pub fn save_file(bytes: &[u8], mime: &str, name: &str) -> Result<(), JsValue> {
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let a: web_sys::HtmlAnchorElement = create("a");
    a.set_href(&url);
    a.set_download(name);
    if let Some(body) = document().body() {
        body.append_child(&a)?;
    }
    a.click();
    a.remove();
    after(REVOKE_AFTER_MS, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    Ok(())
}
