//! Which model the page uses: the model shipped with the page, one kept in this browser
//! ([`super::kept`]), a file the user saved (#model-download) and loads back (#model-input).
//! The worker parses and checks every file; this side only moves bytes and says what happened.

use std::cell::RefCell;

use js_sys::{Date, Object, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{File, HtmlButtonElement, HtmlInputElement, Response};

use super::dom::{by_id, el, js_error, on, set_data, set_text, window};
use super::status::show_error;
use super::{kept, link, pad};
use crate::arch::Arch;
use crate::model_file::{EXTENSION, MAX_BYTES};
use crate::protocol::{Bulk, ModelDescription, ModelSource, SavePurpose, ToWorker};
use crate::settings::{ModelChoice, Settings};
use crate::view::format::{pct, thousands, to_fixed};

const INFO: &str = "model-info";
const DOWNLOAD: &str = "model-download";
const INPUT: &str = "model-input";
const SHIPPED_BUTTON: &str = "model-pretrained";
/// A model's bytes as the page keeps them, to hand a restarted worker.
#[derive(Clone, Debug)]
pub struct Kept {
    pub bytes: Vec<u8>,
    pub source: ModelSource,
    pub name: String,
    /// For a checkpoint: (step, batches) of the run it came from.
    pub progress: Option<(u32, u32)>,
}

impl Kept {
    fn new(bytes: Vec<u8>, source: ModelSource, name: &str, progress: Option<(u32, u32)>) -> Self {
        Kept { bytes, source, name: name.to_string(), progress }
    }
}

#[derive(Default)]
struct Panel {
    /// The name of the last file picked, for the description.
    file_name: String,
    /// When the stored model was kept (ms since 1970).
    saved_at: Option<f64>,
    /// The model in use, so that a restarted worker gets it back, and what the worker said of it.
    current: Option<Kept>,
    current_desc: Option<ModelDescription>,
    /// A model sent to the worker and not yet accepted.
    sent: Option<Kept>,
    /// The latest checkpoint of the run in progress.
    checkpointed: Option<Kept>,
    /// The step of the checkpoint restored after a worker restart.
    restored_step: Option<u32>,
}

thread_local! {
    static PANEL: RefCell<Panel> = RefCell::new(Panel::default());
}

fn with<R>(f: impl FnOnce(&mut Panel) -> R) -> R {
    PANEL.with(|p| f(&mut p.borrow_mut()))
}

fn download_button() -> HtmlButtonElement {
    by_id(DOWNLOAD)
}

/// Wires the panel's buttons; nothing can be saved until a model is ready.
pub fn init() {
    download_button().set_disabled(true);
    on::<web_sys::Event>(DOWNLOAD, "click", |_| {
        link::post(ToWorker::SaveModel { purpose: SavePurpose::Download });
    });
    on::<web_sys::Event>(SHIPPED_BUTTON, "click", |_| {
        show_error("");
        spawn_local(load_shipped());
    });
    kept::init();
    on::<web_sys::Event>(INPUT, "change", |_| picked());
}

/// What the URL's `model` parameter asks for.
enum Choice {
    /// No parameter: the last model trained here if there is one, else the shipped one.
    Default,
    Shipped,
    None,
}

fn choice(query: &str) -> Choice {
    let given = web_sys::UrlSearchParams::new_with_str(query).ok().and_then(|p| p.get("model")).is_some();
    match Settings::from_query_lenient(query).0.model {
        _ if !given => Choice::Default,
        ModelChoice::None => Choice::None,
        ModelChoice::Pretrained => Choice::Shipped,
    }
}

/// Loads the model the URL asks for: `model=pretrained` the shipped one, `model=none` none,
/// and with no `model` parameter the one in use when the page was last left.
pub fn start(query: &str) {
    match choice(query) {
        Choice::None => {
            set_text(INFO, "No model loaded (model=none): train one, or load a model file.");
            pad::on_no_model("No model yet: train one below or load one, and the pad classifies with it as you draw.");
            kept::refresh();
        }
        Choice::Shipped => spawn_local(load_shipped()),
        Choice::Default => spawn_local(kept::load_last_in_use()),
    }
}

pub(super) fn set_saved_at(saved_at: f64) {
    with(|p| p.saved_at = (saved_at > 0.0).then_some(saved_at));
}

fn shipped_name() -> String {
    format!("pretrained.{EXTENSION}")
}

pub(super) async fn load_shipped() {
    set_text(INFO, "Loading the model shipped with the page…");
    match fetch_bytes(&shipped_name()).await {
        Ok(bytes) => {
            send(bytes, ModelSource::Pretrained, "the shipped model", None);
            kept::shipped_in_use();
        }
        Err(why) => {
            kept::refresh();
            set_text(INFO, "No model loaded.");
            show_error(&format!(
                "Could not download the model shipped with the page ({why}). Train one with the Train button."
            ));
        }
    }
}

async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
    let response = JsFuture::from(window().fetch_with_str(url)).await.map_err(|e| js_error(&e))?;
    let response: Response = response.dyn_into().map_err(|e| js_error(&e))?;
    if !response.ok() {
        return Err(format!("HTTP {}", response.status()));
    }
    let buffer = JsFuture::from(response.array_buffer().map_err(|e| js_error(&e))?).await.map_err(|e| js_error(&e))?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// Hands the worker a model file; a copy waits in `sent` until the worker accepts it.
pub(super) fn send(bytes: Vec<u8>, source: ModelSource, name: &str, progress: Option<(u32, u32)>) {
    with(|p| p.sent = Some(Kept::new(bytes.clone(), source, name, progress)));
    link::post(ToWorker::LoadModel { bytes: Bulk(bytes), source, name: name.to_string() });
}

/// The file picked in #model-input: refused at once when far too big, else sent.
fn picked() {
    let input: HtmlInputElement = by_id(INPUT);
    let file = input.files().and_then(|f| f.get(0));
    input.set_value(""); // the same file can be picked again
    let Some(file) = file else { return };
    if file.size() > MAX_BYTES as f64 {
        let mb = to_fixed(file.size() / 1e6, 0);
        show_error(&format!(
            "Could not load {}: it is {mb} MB, far more than any model this page saves. The current model is kept.",
            file.name()
        ));
        return;
    }
    show_error("");
    with(|p| p.file_name = file.name());
    spawn_local(send_file(file));
}

async fn send_file(file: File) {
    match JsFuture::from(file.array_buffer()).await {
        Ok(buffer) => send(Uint8Array::new(&buffer).to_vec(), ModelSource::File, &file.name(), None),
        Err(e) => show_error(&format!("Could not read {} ({}). The current model is kept.", file.name(), js_error(&e))),
    }
}

/// The worker took a model: say which, and offer to save it.
pub fn on_model_ready(d: ModelDescription) {
    with(|p| {
        if p.sent.as_ref().is_some_and(|s| s.source == d.source) {
            p.current = p.sent.take();
        }
        p.current_desc = Some(d.clone());
    });
    if d.source == ModelSource::File {
        kept::file_in_use();
    }
    let info = el(INFO);
    info.set_text_content(Some(&describe(&d)));
    set_text("model-details", &details(&d));
    set_data(&info, "source", Some(d.source.as_str()));
    set_data(&info, "arch", Some(d.arch.name()));
    set_data(&info, "cnn-accuracy", d.cnn_accuracy.map(|a| to_fixed(a, 4)).as_deref());
    set_data(&info, "svm-accuracy", d.svm_accuracy.map(|a| to_fixed(a, 4)).as_deref());
    download_button().set_disabled(false);
    pad::on_model_ready(&note(&d));
}

/// The pad's line about what answers its pictures.
fn note(d: &ModelDescription) -> String {
    let head = if d.has_svm {
        " and its SVM."
    } else if d.source == ModelSource::Trained {
        ": its own head; the SVM comes once it is fitted."
    } else {
        ": its own head (it has no SVM)."
    };
    format!("Classifying with {} ({}){head}", source_phrase(d.source), d.arch)
}

fn source_phrase(source: ModelSource) -> &'static str {
    match source {
        ModelSource::Pretrained => "the model shipped with the page",
        ModelSource::Saved => "your last trained model",
        ModelSource::File => "the model you loaded",
        ModelSource::Trained => "the model trained in this tab",
        ModelSource::Checkpoint => "the model trained so far in this tab",
    }
}

/// The developer's words about the model, under "Details": the settings it was trained with,
/// as a query, and the program that trained it.
fn details(m: &ModelDescription) -> String {
    let by = match m.made_by.as_str() {
        "page" => "this page".to_string(),
        "fashion-train" => "the native fashion-train command".to_string(),
        other => other.to_string(),
    };
    let settings = if m.settings.is_empty() { "its defaults".to_string() } else { format!("?{}", m.settings) };
    format!("The model in use was trained by {by} with {settings}.")
}

/// #model-info's sentence: where the model came from, how it was trained, how it tests.
fn describe(m: &ModelDescription) -> String {
    format!("{}. Test accuracy: {}.", origin(m), accuracy(m))
}

fn origin(m: &ModelDescription) -> String {
    let how = if m.trained_images > 0 {
        format!("{} training images seen", thousands(m.trained_images))
    } else {
        String::new()
    };
    let with_how = |sep: &str| if how.is_empty() { String::new() } else { format!("{sep}{how}") };
    let arch = m.arch;
    let (file_name, saved_at, restored_step) = with(|p| (p.file_name.clone(), p.saved_at, p.restored_step));
    match m.source {
        ModelSource::Pretrained => {
            format!("The model shipped with the page ({arch}{})", with_how("; "))
        }
        ModelSource::Saved => {
            let saved = saved_at.map_or(String::new(), |t| format!(", saved {}", locale(&Date::new(&t.into()))));
            format!("Your last trained model ({arch}{saved}{})", with_how("; "))
        }
        ModelSource::File => {
            let by = if m.made_by == "page" { "this page" } else { m.made_by.as_str() };
            format!("Loaded from {file_name} ({arch}, made by {by}{})", with_how("; "))
        }
        ModelSource::Trained => {
            let how = if how.is_empty() { String::new() } else { format!(" ({how})") };
            format!("The {arch} trained in this tab{how}")
        }
        ModelSource::Checkpoint => {
            let step = restored_step.map_or("?".to_string(), |s| s.to_string());
            format!(
                "The {arch} trained in this tab as far as it got ({step} batches{}), restored after the worker restarted",
                with_how(", ")
            )
        }
    }
}

fn accuracy(m: &ModelDescription) -> String {
    let Some(cnn) = m.cnn_accuracy else { return "not tested yet".into() };
    let svm = m.svm_accuracy.map_or(", no SVM yet".to_string(), |s| format!(", CNN + SVM {}", pct(s)));
    format!("CNN {}{svm} on {} test images", pct(cnn), thousands(m.test_images))
}

/// The worker sent the model as a file: to keep it here, or for the user to save.
pub fn on_model_file(purpose: SavePurpose, arch: Arch, bytes: Vec<u8>) {
    match purpose {
        SavePurpose::Store => {
            let kept = Kept::new(bytes.clone(), ModelSource::Trained, "the model trained in this tab", None);
            // The run's end, tested or skipped: measured against the model it replaced.
            let desc = with(|p| {
                p.current = Some(kept);
                p.checkpointed = None;
                p.current_desc.clone()
            });
            if let Some(d) = desc.filter(|d| d.source == ModelSource::Trained) {
                kept::judge(&d);
            }
            kept::keep_new(bytes);
        }
        SavePurpose::Download => offer_download(arch, &bytes),
    }
}

fn offer_download(arch: Arch, bytes: &[u8]) {
    if let Err(e) = download(arch, bytes) {
        show_error(&format!("Could not save the model to a file ({}).", js_error(&e)));
    }
}

/// Saves `bytes` through a clicked `<a download>`.
fn download(arch: Arch, bytes: &[u8]) -> Result<(), JsValue> {
    super::dom::save_file(bytes, "application/octet-stream", &format!("fashion-{arch}-{}.{EXTENSION}", today()))
}

/// The worker refused a model file (its message says why), or had none to save.
pub fn on_model_error(source: Option<ModelSource>, message: &str) {
    show_error(message);
    match source {
        Some(ModelSource::Saved) => {
            // Kept by an older version of the page, or damaged: fall back to the shipped model.
            kept::refused_in_use();
            spawn_local(load_shipped());
        }
        Some(ModelSource::Pretrained) => set_text(INFO, "No model loaded."),
        _ => {}
    }
}

/// `(step, batches, bytes)` from a run in progress, or `None` when a new run starts.
pub fn on_checkpoint(checkpoint: Option<(u32, u32, Vec<u8>)>) {
    let step = checkpoint.as_ref().map(|c| c.0.to_string());
    let kept = checkpoint.map(|(step, batches, bytes)| {
        Kept::new(bytes, ModelSource::Checkpoint, "the model trained so far", Some((step, batches)))
    });
    with(|p| p.checkpointed = kept);
    set_data(&el(INFO), "checkpoint-step", step.as_deref());
}

/// What a restarted worker should load: the run in progress as far as it got, else the model
/// in use.
pub fn latest() -> Option<Kept> {
    with(|p| p.checkpointed.clone().or_else(|| p.current.clone()))
}

/// Hands a restarted worker the model [`latest`] gave.
pub fn restore(kept: Kept) {
    let checkpoint = kept.source == ModelSource::Checkpoint;
    if checkpoint {
        with(|p| p.restored_step = kept.progress.map(|(step, _)| step));
        // It is now the last model trained here: kept for the next visit too.
        kept::keep_new(kept.bytes.clone());
    }
    with(|p| p.checkpointed = None);
    set_text(INFO, "Restoring the model…");
    let progress = if checkpoint { kept.progress } else { None };
    send(kept.bytes, kept.source, &kept.name, progress);
}

/// A run starts: the model in use now is what it is measured against.
pub fn on_run_start() {
    let current = with(|p| p.current.clone().zip(p.current_desc.clone()));
    kept::on_run_start(current.as_ref().map(|(k, d)| (k.clone(), d)));
}

pub(super) fn warn(what: &str, e: &super::storage::StorageError) {
    web_sys::console::warn_2(&what.into(), &e.to_string().into());
}

/// A date as the browser's language writes it (`toLocaleString`: 5/3/2025, 14:02:11).
pub(super) fn locale(date: &Date) -> String {
    String::from(date.unchecked_ref::<Object>().to_locale_string())
}

/// Today as `YYYY-MM-DD` (UTC, as `toISOString` gives it).
pub fn today() -> String {
    let iso = String::from(Date::new_0().to_iso_string());
    iso.chars().take(10).collect()
}
