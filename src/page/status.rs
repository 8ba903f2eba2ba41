//! The status panel: the phase (`#status[data-phase]`), `#error`, the progress bar and its
//! line, Retry, the memory line. The phase is the page's one record of whether a run is on.

use std::cell::Cell;
use web_sys::{HtmlButtonElement, HtmlElement, HtmlProgressElement};

use super::dom::{by_id, el, set_data, set_text};
use crate::protocol::Phase;

thread_local! {
    static PHASE: Cell<Phase> = const { Cell::new(Phase::Loading) };
    /// The dataset is in and a backend chosen: Train may be pressed.
    static READY: Cell<bool> = const { Cell::new(false) };
}

pub fn phase() -> Phase {
    PHASE.with(Cell::get)
}

pub fn is_running() -> bool {
    phase().is_running()
}

pub fn is_ready() -> bool {
    READY.with(Cell::get)
}

pub fn set_ready(ready: bool) {
    READY.with(|r| r.set(ready));
    sync_buttons();
}

/// Enters `phase`, with a new status line if given; locks the form while a run goes on.
pub fn set_phase(phase: Phase, text: Option<&str>) {
    PHASE.with(|p| p.set(phase));
    let status = el("status");
    set_data(&status, "phase", Some(phase.as_str()));
    if let Some(t) = text {
        status.set_text_content(Some(t));
    }
    sync_buttons();
    super::form::lock(phase.is_running());
}

fn sync_buttons() {
    let running = is_running();
    by_id::<HtmlButtonElement>("train-button").set_disabled(!is_ready() || running);
    let stop = by_id::<HtmlButtonElement>("stop-button");
    stop.set_disabled(!running);
    // Once training is over the button skips the rest: the test, then the SVM fit.
    stop.set_text_content(Some(match phase() {
        Phase::Evaluating => "Skip the test",
        Phase::FittingSvm => "Skip the SVM",
        _ => "Stop",
    }));
}

/// Shows `message` in `#error` (empty: hides it).
pub fn show_error(message: &str) {
    let e: HtmlElement = el("error");
    e.set_text_content(Some(message));
    e.set_hidden(message.is_empty());
}

/// A fatal problem: shown, and the page enters the `error` phase.
pub fn fail(message: &str) {
    show_error(message);
    set_phase(Phase::Error, Some("Something went wrong: see the message below."));
    set_text("progress-text", "Stopped.");
}

/// Sets the progress bar (0..1) and, if given, its line.
pub fn set_progress(fraction: f64, text: Option<&str>) {
    by_id::<HtmlProgressElement>("progress").set_value(fraction.clamp(0.0, 1.0));
    if let Some(t) = text {
        set_text("progress-text", t);
    }
}

pub fn set_progress_text(text: &str) {
    set_text("progress-text", text);
}

pub fn offer_retry(show: bool) {
    el("retry-button").set_hidden(!show);
}
