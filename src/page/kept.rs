//! The models kept in this browser (#kept-models): each one trained here with its accuracy,
//! which is in use, switching and deleting; and the notice (#model-notice) when a new run
//! tests below the model it replaced, with the way back. What to compare and what to drop is
//! [`crate::shelf`]; the bytes live in IndexedDB ([`super::storage`]).

use std::cell::RefCell;

use js_sys::Date;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Element, HtmlButtonElement};

use super::dom::{create, create_text, el, listen, on, set_data, set_hidden, set_text};
use super::models_panel::{self, Kept, locale, warn};
use super::storage::{self, SHIPPED};
use crate::model_file::{ModelFile, ModelInfo};
use crate::protocol::{ModelDescription, ModelSource};
use crate::shelf::{self, Entry, Verdict};
use crate::view::format::{pct, thousands};

const LIST: &str = "kept-models";
const NOTICE: &str = "model-notice";
const NOTICE_TEXT: &str = "model-notice-text";
const SWITCH_BACK: &str = "model-switch-back";

/// The model in use when a run started, to measure the run against and to go back to.
#[derive(Clone)]
struct Before {
    kept: Kept,
    info: ModelInfo,
    key: Option<String>,
}

#[derive(Default)]
struct State {
    /// The storage key of the model in use ([`SHIPPED`] for the shipped one); `None` for a
    /// loaded file or no model.
    in_use: Option<String>,
    before_run: Option<Before>,
    /// Where #model-switch-back goes.
    way_back: Option<Before>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

fn with<R>(f: impl FnOnce(&mut State) -> R) -> R {
    STATE.with(|s| f(&mut s.borrow_mut()))
}

pub fn init() {
    on::<web_sys::Event>(SWITCH_BACK, "click", |_| switch_back());
}

/// No `model` parameter: the model in use when the page was last left, else the newest kept
/// one, else the shipped one.
pub async fn load_last_in_use() {
    let in_use = storage::in_use().await.unwrap_or_else(|e| {
        warn("IndexedDB unavailable: the last model in use cannot be restored", &e);
        None
    });
    let key = match in_use.as_deref() {
        Some(SHIPPED) => None,
        Some(key) => Some(key.to_string()),
        None => newest_key().await,
    };
    // The shipped model's load draws the list itself (kept::shipped_in_use, or on failure).
    match key {
        Some(key) if use_kept(&key, "your model in use when you left").await => refresh(),
        _ => models_panel::load_shipped().await,
    }
}

async fn newest_key() -> Option<String> {
    let entries = entries().await.unwrap_or_default();
    shelf::newest_first(entries).into_iter().next().map(|e| e.key)
}

/// Hands the worker the kept model under `key`; `false` when it is not there.
async fn use_kept(key: &str, name: &str) -> bool {
    match storage::get(key).await {
        Ok(Some((bytes, saved_at))) => {
            set_text("model-info", "Loading your kept model…");
            models_panel::set_saved_at(saved_at);
            with(|s| s.in_use = Some(key.to_string()));
            models_panel::send(bytes, ModelSource::Saved, name, None);
            remember_in_use(key);
            true
        }
        Ok(None) => false,
        Err(e) => {
            warn("Could not read a kept model", &e);
            false
        }
    }
}

fn remember_in_use(key: &str) {
    let key = key.to_string();
    spawn_local(async move {
        if let Err(e) = storage::set_in_use(&key).await {
            warn("Could not note which model is in use", &e);
        }
    });
}

/// The shipped model is in use (the button, or the start).
pub fn shipped_in_use() {
    with(|s| s.in_use = Some(SHIPPED.into()));
    remember_in_use(SHIPPED);
    refresh();
}

/// A loaded file is in use: it is not kept, so the next visit gets the model before it.
pub fn file_in_use() {
    with(|s| s.in_use = None);
    refresh();
}

/// A new model trained here (finished, or as far as it got): kept, in use, and the list
/// trimmed to [`shelf::MAX_KEPT`].
pub fn keep_new(bytes: Vec<u8>) {
    spawn_local(async move {
        let now = Date::now();
        let key = shelf::key_for(now);
        if let Err(e) = storage::put(&key, &bytes, now).await {
            warn("Could not keep the model in IndexedDB", &e);
            return;
        }
        models_panel::set_saved_at(now);
        with(|s| s.in_use = Some(key.clone()));
        remember_in_use(&key);
        // One read of the kept models serves the trimming and the list.
        match entries().await {
            Ok(mut entries) => {
                let gone = shelf::to_evict(&entries, Some(&key));
                for key in &gone {
                    let _ = storage::delete(key).await;
                }
                entries.retain(|e| !gone.contains(&e.key));
                show(&Ok(entries));
            }
            Err(e) => show(&Err(e)),
        }
    });
}

/// A kept model the worker refused (damaged, or from an older page): dropped from the list.
pub fn refused_in_use() {
    let key = with(|s| s.in_use.take()).filter(|k| k != SHIPPED);
    spawn_local(async move {
        if let Some(key) = key {
            let _ = storage::delete(&key).await;
        }
        draw().await;
    });
}

/// A run starts: the model in use now is what it will be measured against.
pub fn on_run_start(current: Option<(Kept, &ModelDescription)>) {
    let before = current.map(|(kept, d)| Before { kept, info: info_of(d), key: with(|s| s.in_use.clone()) });
    with(|s| s.before_run = before);
    set_hidden(NOTICE, true);
}

fn info_of(d: &ModelDescription) -> ModelInfo {
    ModelInfo {
        cnn_accuracy: d.cnn_accuracy,
        svm_accuracy: d.svm_accuracy,
        test_images: d.test_images as usize,
        ..ModelInfo::default()
    }
}

/// The run's model was tested: if it tests below the one it replaced, say so and offer that
/// one back.
pub fn judge(new: &ModelDescription) {
    let Some(before) = with(|s| s.before_run.clone()) else { return };
    let what = before_name(&before);
    let new = info_of(new);
    let text = match shelf::compare(&new, Some(&before.info)) {
        Verdict::NotWorse => {
            set_hidden(NOTICE, true);
            return;
        }
        Verdict::Weaker { new, old } => format!(
            "Your new model tests below the one it replaced: {} against {} for {what}. Both are kept; the new one is in use now.",
            pct(new),
            pct(old)
        ),
        Verdict::Untested { old } => {
            format!("Your new model was not tested; {what} it replaced tests at {}. Both are kept.", pct(old))
        }
    };
    let notice = el(NOTICE);
    set_data(&notice, "new-score", shelf::score(&new).map(|s| s.to_string()).as_deref());
    set_data(&notice, "old-score", shelf::score(&before.info).map(|s| s.to_string()).as_deref());
    set_text(NOTICE_TEXT, &text);
    set_text(SWITCH_BACK, &format!("Use {what} again"));
    with(|s| s.way_back = Some(before));
    set_hidden(NOTICE, false);
}

fn before_name(before: &Before) -> &'static str {
    match before.kept.source {
        ModelSource::Pretrained => "the shipped model",
        ModelSource::File => "the model you loaded",
        _ => "your earlier model",
    }
}

fn switch_back() {
    set_hidden(NOTICE, true);
    let Some(back) = with(|s| s.way_back.take()) else { return };
    with(|s| s.in_use = back.key.clone());
    if let Some(key) = &back.key {
        remember_in_use(key);
    }
    models_panel::send(back.kept.bytes, back.kept.source, &back.kept.name, None);
    refresh();
}

/// Every kept model that reads as one, with what its file says.
async fn entries() -> Result<Vec<Entry>, storage::StorageError> {
    let mut out = Vec::new();
    for key in storage::keys().await? {
        if let Some((bytes, saved_at)) = storage::get(&key).await?
            && let Ok((_, info)) = ModelFile::peek(&bytes)
        {
            out.push(Entry { key, saved_at, info });
        }
    }
    Ok(out)
}

/// Redraws the list from storage.
pub fn refresh() {
    spawn_local(draw());
}

async fn draw() {
    show(&entries().await);
}

fn show(entries: &Result<Vec<Entry>, storage::StorageError>) {
    let list = el(LIST);
    let entries = match entries {
        Ok(e) => shelf::newest_first(e.clone()),
        Err(e) => {
            list.set_text_content(Some(&e.to_string()));
            return;
        }
    };
    list.set_text_content(None);
    let in_use = with(|s| s.in_use.clone());
    if entries.is_empty() {
        let _ =
            list.append_child(&create_text("li", "None yet: each model you train here is kept, with its accuracy."));
    }
    for e in &entries {
        let _ = list.append_child(&row(e, in_use.as_deref() == Some(e.key.as_str())));
    }
}

fn row(e: &Entry, in_use: bool) -> Element {
    let li: Element = create("li");
    set_data(&li, "key", Some(&e.key));
    set_data(&li, "in-use", Some(if in_use { "1" } else { "0" }));
    set_data(&li, "cnn-accuracy", e.info.cnn_accuracy.map(|a| a.to_string()).as_deref());
    set_data(&li, "svm-accuracy", e.info.svm_accuracy.map(|a| a.to_string()).as_deref());
    let what = describe(e);
    let _ = li.append_child(&create_text("span", &what));
    if in_use {
        let _ = li.append_child(&create_text("strong", " in use"));
    } else {
        let _ = li.append_child(&button("Use", &format!("Use the model {what}"), Action::Use, &e.key));
        let _ = li.append_child(&button("Delete", &format!("Delete the model {what}"), Action::Delete, &e.key));
    }
    li
}

fn describe(e: &Entry) -> String {
    let score = match (e.info.cnn_accuracy, e.info.svm_accuracy) {
        (Some(c), Some(s)) => format!("CNN + SVM {}, CNN {}", pct(s), pct(c)),
        (Some(c), None) => format!("CNN {}", pct(c)),
        _ => "not tested".into(),
    };
    let images = if e.info.trained_images > 0 {
        format!(", {} training images seen", thousands(e.info.trained_images as i64))
    } else {
        String::new()
    };
    let when =
        if e.saved_at > 0.0 { format!("kept {}", locale(&Date::new(&e.saved_at.into()))) } else { "kept".into() };
    format!("{when}: {score}{images}. ")
}

#[derive(Clone, Copy)]
enum Action {
    Use,
    Delete,
}

fn button(label: &str, aria: &str, action: Action, key: &str) -> HtmlButtonElement {
    let b: HtmlButtonElement = create("button");
    b.set_type("button");
    b.set_class_name("small");
    b.set_text_content(Some(label));
    let _ = b.set_attribute("aria-label", aria.trim_end());
    let key = key.to_string();
    listen::<web_sys::Event>(b.unchecked_ref(), "click", move |_| {
        let key = key.clone();
        match action {
            Action::Use => spawn_local(async move {
                set_hidden(NOTICE, true);
                if use_kept(&key, "your kept model").await {
                    draw().await;
                }
            }),
            Action::Delete => spawn_local(async move {
                let _ = storage::delete(&key).await;
                draw().await;
            }),
        }
    });
    b
}
