//! The camera, a third input beside the pad and uploads (`#camera-button`,
//! `#camera[data-state]`): frames from `getUserMedia`, a square from their middle, go to the
//! pad as pictures a few times a second, prepared as uploads are. No camera, or permission
//! refused: a clear message, and everything else goes on.

use std::cell::RefCell;
use std::fmt;

use js_sys::{Object, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{HtmlCanvasElement, HtmlVideoElement, MediaStream, MediaStreamConstraints, MediaStreamTrack};

use super::dom::{by_id, context_2d, create, js_error, on, set_data, set_text, window};
use super::pad;

/// How often a frame is classified (ms): a few times a second, as a drawing is.
const FRAME_EVERY_MS: i32 = 300;
/// `#camera-note` while the camera is off.
const OFF_NOTE: &str = "Or hold an item up to your camera.";
/// The side of the square taken from each frame, in pixels (the pad scales it down to 28).
const SIDE: u32 = 224;

/// `#camera[data-state]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CameraState {
    Off,
    On,
    /// Permission refused.
    Denied,
    /// No camera, or none this page may use.
    Unavailable,
}

impl CameraState {
    pub fn as_str(self) -> &'static str {
        match self {
            CameraState::Off => "off",
            CameraState::On => "on",
            CameraState::Denied => "denied",
            CameraState::Unavailable => "unavailable",
        }
    }
}

/// Why the camera could not start.
#[derive(Clone, Debug, PartialEq)]
pub enum CameraError {
    Denied,
    NoCamera(String),
}

impl fmt::Display for CameraError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CameraError::Denied => write!(
                f,
                "The camera was not allowed. To use it, allow this page to use the camera (the icon in the address bar) and press Camera again; the pad and uploads work meanwhile."
            ),
            CameraError::NoCamera(why) => {
                write!(f, "No camera could be used ({why}). Draw on the pad or choose a picture instead.")
            }
        }
    }
}

impl CameraError {
    fn state(&self) -> CameraState {
        match self {
            CameraError::Denied => CameraState::Denied,
            CameraError::NoCamera(_) => CameraState::Unavailable,
        }
    }
}

#[derive(Default)]
struct Camera {
    stream: Option<MediaStream>,
    timer: Option<i32>,
    /// Keeps the timer's callback alive while it runs.
    _tick: Option<Closure<dyn FnMut()>>,
}

thread_local! {
    static CAMERA: RefCell<Camera> = RefCell::new(Camera::default());
}

pub fn init() {
    on::<web_sys::Event>("camera-button", "click", |_| {
        if CAMERA.with_borrow(|c| c.stream.is_some()) {
            stop();
        } else {
            spawn_local(start());
        }
    });
    show(CameraState::Off, OFF_NOTE);
}

fn video() -> HtmlVideoElement {
    by_id("camera")
}

fn show(state: CameraState, note: &str) {
    set_data(&video(), "state", Some(state.as_str()));
    set_text("camera-note", note);
    set_text("camera-button", if state == CameraState::On { "Stop the camera" } else { "Camera" });
    let _ = by_id::<web_sys::Element>("camera-button")
        .set_attribute("aria-pressed", if state == CameraState::On { "true" } else { "false" });
    video().set_hidden(state != CameraState::On);
}

async fn start() {
    match open().await {
        Ok(stream) => {
            // Plays by itself (`autoplay muted` in index.html).
            video().set_src_object(Some(&stream));
            let tick = Closure::<dyn FnMut()>::new(frame);
            let timer = window()
                .set_interval_with_callback_and_timeout_and_arguments_0(tick.as_ref().unchecked_ref(), FRAME_EVERY_MS)
                .ok();
            CAMERA.set(Camera { stream: Some(stream), timer, _tick: Some(tick) });
            show(
                CameraState::On,
                "The middle of the picture is classified a few times a second. Hold the item against a plain background.",
            );
        }
        Err(e) => show(e.state(), &e.to_string()),
    }
}

async fn open() -> Result<MediaStream, CameraError> {
    let devices = window().navigator().media_devices().map_err(|e| {
        CameraError::NoCamera(format!("this browser gives the page no camera access: {}", js_error(&e)))
    })?;
    let constraints = MediaStreamConstraints::new();
    let video = Object::new();
    let _ = Reflect::set(&video, &"width".into(), &320.into());
    let _ = Reflect::set(&video, &"height".into(), &240.into());
    constraints.set_video(&video);
    let promise =
        devices.get_user_media_with_constraints(&constraints).map_err(|e| CameraError::NoCamera(js_error(&e)))?;
    let stream = JsFuture::from(promise).await.map_err(|e| {
        let name = Reflect::get(&e, &"name".into()).ok().and_then(|n| n.as_string()).unwrap_or_default();
        match name.as_str() {
            "NotAllowedError" | "SecurityError" => CameraError::Denied,
            _ => CameraError::NoCamera(js_error(&e)),
        }
    })?;
    stream.dyn_into::<MediaStream>().map_err(|_| CameraError::NoCamera("the browser gave no video stream".into()))
}

pub fn stop() {
    let camera = CAMERA.take();
    if let Some(stream) = &camera.stream {
        for track in stream.get_tracks().iter() {
            if let Ok(track) = track.dyn_into::<MediaStreamTrack>() {
                track.stop();
            }
        }
    }
    if let Some(t) = camera.timer {
        window().clear_interval_with_handle(t);
    }
    video().set_src_object(None);
    show(CameraState::Off, OFF_NOTE);
}

/// The frame now: its middle square, to the pad.
fn frame() {
    let v = video();
    let (w, h) = (v.video_width(), v.video_height());
    if w == 0 || h == 0 {
        return;
    }
    let side = w.min(h);
    let work: HtmlCanvasElement = create("canvas");
    work.set_width(SIDE);
    work.set_height(SIDE);
    let ctx = context_2d(&work);
    let (sx, sy) = (f64::from(w - side) / 2.0, f64::from(h - side) / 2.0);
    let s = f64::from(side);
    let drawn = ctx.draw_image_with_html_video_element_and_sw_and_sh_and_dx_and_dy_and_dw_and_dh(
        &v,
        sx,
        sy,
        s,
        s,
        0.0,
        0.0,
        f64::from(SIDE),
        f64::from(SIDE),
    );
    if drawn.is_err() {
        return;
    }
    if let Ok(data) = ctx.get_image_data(0.0, 0.0, f64::from(SIDE), f64::from(SIDE)) {
        pad::show_frame(work, SIDE, SIDE, data.data().0);
    }
}
