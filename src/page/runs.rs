//! The experiment log (`#runs`): every finished or stopped run with its settings, speed and
//! accuracies, kept in IndexedDB across reloads; sortable; the ticked runs' curves overlaid;
//! exported as CSV or JSON; deleted one by one or all at once. A stored record that does not
//! read back is moved aside (store `runs-aside`), never deleted.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::fmt;

use js_sys::Array;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Element, HtmlInputElement, IdbTransactionMode, MouseEvent};

use super::dom::{by_id, el, js_error, on, save_file, set_text};
use super::plots::{Axes, Series, draw_lines};
use super::storage::{self, RUNS, RUNS_ASIDE, StorageError};
use super::{results, status, training};
use crate::runlog::{Column, RunRecord, sort, thin_curve, to_csv};
use crate::settings::Settings;
use crate::summary::total_params;
use crate::view::colour::CLASS_COLOURS;
use crate::view::format::{fmt_time, pct, round_thousands, thousands};

/// Why the log could not do what was asked.
#[derive(Clone, Debug, PartialEq)]
pub enum LogError {
    Storage(StorageError),
    /// Export with nothing in the log.
    Empty,
    /// The browser refused to make the file.
    Export(String),
}

impl fmt::Display for LogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LogError::Storage(StorageError::Unavailable(why) | StorageError::Failed(why)) => write!(
                f,
                "The experiment log cannot be kept in this browser ({why}): runs are listed until the page is closed."
            ),
            LogError::Empty => write!(f, "There are no runs to export yet: train a model, and its run is logged here."),
            LogError::Export(why) => write!(f, "The log could not be made into a file ({why}). Try again."),
        }
    }
}

#[derive(Default)]
struct Log {
    records: Vec<RunRecord>,
    sort: Option<(Column, bool)>,
    ticked: BTreeSet<String>,
    /// The settings of the run in progress, and the sweep it belongs to.
    pending: Option<(String, Option<String>)>,
}

thread_local! {
    static LOG: RefCell<Log> = RefCell::new(Log::default());
}

pub fn init() {
    on::<web_sys::Event>("runs-export-csv", "click", |_| export(false));
    on::<web_sys::Event>("runs-export-json", "click", |_| export(true));
    on::<web_sys::Event>("runs-clear", "click", |_| spawn_local(clear_all()));
    on::<MouseEvent>("runs", "click", |e| on_click(&e));
    on::<web_sys::Event>("runs", "change", |e| on_tick(&e));
    spawn_local(load());
}

fn note(text: &str) {
    set_text("runs-note", text);
}

/// Reads the log, moving aside any record that does not parse.
async fn load() {
    match read_all().await {
        Ok((records, aside)) => {
            LOG.with_borrow_mut(|l| l.records = records);
            if aside > 0 {
                note(&format!(
                    "{aside} stored run record(s) could not be read (from another version of the page, or damaged): they are kept aside in this browser's storage, untouched, and left out of the list."
                ));
            }
        }
        Err(e) => note(&LogError::Storage(e).to_string()),
    }
    render();
}

async fn read_all() -> Result<(Vec<RunRecord>, usize), StorageError> {
    let keys = storage::run_in(RUNS, IdbTransactionMode::Readonly, |s| s.get_all_keys()).await?;
    let values = storage::run_in(RUNS, IdbTransactionMode::Readonly, |s| s.get_all()).await?;
    let (keys, values): (Array, Array) = (keys.unchecked_into(), values.unchecked_into());
    let mut records = Vec::new();
    let mut aside = 0;
    for (key, value) in keys.iter().zip(values.iter()) {
        match serde_wasm_bindgen::from_value::<RunRecord>(value.clone()) {
            Ok(r) => records.push(r),
            Err(_) => {
                aside += 1;
                storage::run_in(RUNS_ASIDE, IdbTransactionMode::Readwrite, |s| s.put_with_key(&value, &key)).await?;
                storage::run_in(RUNS, IdbTransactionMode::Readwrite, |s| s.delete(&key)).await?;
            }
        }
    }
    sort(&mut records, Column::Finished, false);
    Ok((records, aside))
}

/// A run is posted with these settings (`sweep`: the sweep it is part of).
pub fn on_train_posted(query: &str, sweep: Option<&str>) {
    LOG.with_borrow_mut(|l| l.pending = Some((query.to_string(), sweep.map(String::from))));
}

/// A run's training started (from the Train button, a sweep, or `autostart`).
pub fn on_train_start() {
    LOG.with_borrow_mut(|l| {
        if l.pending.is_none() {
            let search = super::dom::window().location().search().unwrap_or_default();
            l.pending = Some((search, None));
        }
    });
}

/// The run is over (its evaluation too, or what Stop left of it): it goes into the log.
/// Returns its id, or `None` when nothing was trained.
pub fn on_run_end() -> Option<String> {
    let (settings, sweep) = LOG.with_borrow_mut(|l| l.pending.take())?;
    let numbers = results::run_numbers()?;
    let parsed = Settings::from_query_lenient(&settings).0;
    let (loss, accuracy) = training::smoothed_curves();
    let finished_at = js_sys::Date::now();
    let record = RunRecord {
        id: format!("run-{}", finished_at as u64),
        finished_at,
        settings: settings.trim_start_matches('?').to_string(),
        arch: numbers.arch.name().to_string(),
        backend: numbers.backend,
        epochs: parsed.train.epochs as u32,
        batch: parsed.train.batch_size as u32,
        lr: parsed.train.lr,
        params: total_params(numbers.arch) as u32,
        seconds: numbers.seconds,
        images_per_second: numbers.images_per_second,
        cnn_accuracy: numbers.cnn_accuracy,
        svm_accuracy: numbers.svm_accuracy,
        stopped: training::trained_steps() < training::total_steps(),
        sweep,
        batches: training::total_steps(),
        loss: thin_curve(&loss),
        accuracy: thin_curve(&accuracy),
    };
    let id = record.id.clone();
    LOG.with_borrow_mut(|l| l.records.insert(0, record.clone()));
    render();
    spawn_local(async move {
        if let Err(e) = store(&record).await {
            note(&LogError::Storage(e).to_string());
        }
    });
    Some(id)
}

async fn store(record: &RunRecord) -> Result<(), StorageError> {
    let value = serde_wasm_bindgen::to_value(record).map_err(|e| StorageError::Failed(e.to_string()))?;
    let key = JsValue::from_str(&record.id);
    storage::run_in(RUNS, IdbTransactionMode::Readwrite, |s| s.put_with_key(&value, &key)).await.map(drop)
}

/// The logged runs, newest first.
pub fn records() -> Vec<RunRecord> {
    LOG.with_borrow(|l| l.records.clone())
}

fn render() {
    let (mut records, sorting, ticked) = LOG.with_borrow(|l| (l.records.clone(), l.sort, l.ticked.clone()));
    if let Some((column, ascending)) = sorting {
        sort(&mut records, column, ascending);
    }
    let body = el("runs").query_selector("tbody").ok().flatten();
    let Some(body) = body else { return };
    body.set_inner_html("");
    for r in &records {
        if let Ok(row) = row(r, ticked.contains(&r.id)) {
            let _ = body.append_child(&row);
        }
    }
    if records.is_empty() {
        body.set_inner_html("<tr><td colspan=\"12\">No runs yet: every run you train is recorded here.</td></tr>");
    }
    if let (Some((column, ascending)), Ok(buttons)) =
        (sorting, el("runs").query_selector_all("thead button[data-sort]"))
    {
        for b in (0..buttons.length()).filter_map(|i| buttons.item(i)?.dyn_into::<Element>().ok()) {
            let mine = b.get_attribute("data-sort").as_deref() == Some(column.key());
            let _ = b.set_attribute("aria-pressed", if mine { "true" } else { "false" });
            let _ = b.set_attribute("data-order", if mine && ascending { "ascending" } else { "descending" });
        }
    }
    draw_overlay(&records, &ticked);
}

fn row(r: &RunRecord, ticked: bool) -> Result<Element, JsValue> {
    let tr = super::dom::document().create_element("tr")?;
    let attrs: [(&str, Option<String>); 10] = [
        ("arch", Some(r.arch.clone())),
        ("backend", Some(r.backend.clone())),
        ("epochs", Some(r.epochs.to_string())),
        ("batch", Some(r.batch.to_string())),
        ("lr", Some(r.lr.to_string())),
        ("params", Some(r.params.to_string())),
        ("seconds", Some(format!("{:.2}", r.seconds))),
        ("images-per-second", Some(format!("{:.1}", r.images_per_second))),
        ("cnn-accuracy", r.cnn_accuracy.map(|a| format!("{a:.4}"))),
        ("svm-accuracy", r.svm_accuracy.map(|a| format!("{a:.4}"))),
    ];
    tr.set_attribute("data-run-id", &r.id)?;
    for (name, value) in attrs {
        if let Some(v) = value {
            tr.set_attribute(&format!("data-{name}"), &v)?;
        }
    }
    let when = String::from(js_sys::Date::new(&r.finished_at.into()).to_locale_string("en-GB", &JsValue::UNDEFINED));
    let accuracy = |a: Option<f64>| a.map_or_else(|| "–".into(), pct);
    let status = if r.stopped { " (stopped)" } else { "" };
    let cells = [
        (
            "Show",
            format!(
                "<input type=\"checkbox\" data-tick=\"{}\" aria-label=\"Show the curves of the run of {when}\"{}>",
                r.id,
                if ticked { " checked" } else { "" }
            ),
        ),
        ("When", format!("{when}{status}")),
        ("Model", r.arch.clone()),
        ("Epochs", r.epochs.to_string()),
        ("Batch", r.batch.to_string()),
        ("Learning rate", r.lr.to_string()),
        ("Parameters", thousands(u64::from(r.params))),
        ("Time", fmt_time(r.seconds)),
        ("Images/s", format!("{} on {}", round_thousands(r.images_per_second), r.backend)),
        ("CNN", accuracy(r.cnn_accuracy)),
        ("CNN + SVM", accuracy(r.svm_accuracy)),
        (
            "",
            format!(
                "<button type=\"button\" class=\"small\" data-delete=\"{}\" aria-label=\"Delete the run of {when}\">Delete</button>",
                r.id
            ),
        ),
    ];
    let html: String = cells
        .iter()
        .map(|(label, content)| {
            if label.is_empty() {
                format!("<td>{content}</td>")
            } else {
                format!("<td data-label=\"{label}\">{content}</td>")
            }
        })
        .collect();
    tr.set_inner_html(&html);
    let _ = tr.set_attribute("title", &r.settings);
    Ok(tr)
}

/// A click in the table: a column header sorts by it (again: the other way), a Delete
/// button deletes its run.
fn on_click(e: &MouseEvent) {
    let target = e.target().and_then(|t| t.dyn_into::<Element>().ok());
    let Some(target) = target.and_then(|t| t.closest("button").ok().flatten()) else { return };
    if let Some(key) = target.get_attribute("data-sort") {
        let Some(column) = Column::from_key(&key) else { return };
        LOG.with_borrow_mut(|l| {
            let ascending = matches!(l.sort, Some((c, false)) if c == column);
            l.sort = Some((column, ascending));
        });
        render();
    } else if let Some(id) = target.get_attribute("data-delete") {
        spawn_local(delete(id));
    }
}

fn on_tick(e: &web_sys::Event) {
    let Some(input) = e.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) else { return };
    let Some(id) = input.get_attribute("data-tick") else { return };
    let on = input.checked();
    LOG.with_borrow_mut(|l| {
        if on {
            l.ticked.insert(id);
        } else {
            l.ticked.remove(&id);
        }
    });
    let (records, ticked) = LOG.with_borrow(|l| (l.records.clone(), l.ticked.clone()));
    draw_overlay(&records, &ticked);
}

async fn delete(id: String) {
    let key = JsValue::from_str(&id);
    if let Err(e) = storage::run_in(RUNS, IdbTransactionMode::Readwrite, |s| s.delete(&key)).await {
        return note(&LogError::Storage(e).to_string());
    }
    LOG.with_borrow_mut(|l| {
        l.records.retain(|r| r.id != id);
        l.ticked.remove(&id);
    });
    note("Run deleted.");
    render();
}

async fn clear_all() {
    let count = LOG.with_borrow(|l| l.records.len());
    if let Err(e) = storage::run_in(RUNS, IdbTransactionMode::Readwrite, |s| s.clear()).await {
        return note(&LogError::Storage(e).to_string());
    }
    LOG.with_borrow_mut(|l| {
        l.records.clear();
        l.ticked.clear();
    });
    note(&format!("{count} run(s) deleted."));
    render();
}

fn export(json: bool) {
    let records = records();
    let result = if records.is_empty() {
        Err(LogError::Empty)
    } else if json {
        serde_wasm_bindgen::to_value(&records)
            .map_err(|e| LogError::Export(e.to_string()))
            .and_then(|v| {
                js_sys::JSON::stringify_with_replacer_and_space(&v, &JsValue::NULL, &2.into())
                    .map_err(|e| LogError::Export(js_error(&e)))
            })
            .and_then(|text| {
                let name = format!("fashion-runs-{}.json", super::models_panel::today());
                save_file(String::from(text).as_bytes(), "application/json", &name)
                    .map_err(|e| LogError::Export(js_error(&e)))
            })
    } else {
        let name = format!("fashion-runs-{}.csv", super::models_panel::today());
        save_file(to_csv(&records).as_bytes(), "text/csv", &name).map_err(|e| LogError::Export(js_error(&e)))
    };
    match result {
        Ok(()) => note(&format!("{} run(s) exported as {}.", records.len(), if json { "JSON" } else { "CSV" })),
        Err(e) => {
            note(&e.to_string());
            status::show_error(&e.to_string());
        }
    }
}

/// The ticked runs' smoothed loss and accuracy, one colour per run, against the share of the
/// run done (runs of different lengths compare from start to end).
fn draw_overlay(records: &[RunRecord], ticked: &BTreeSet<String>) {
    let shown: Vec<&RunRecord> = records.iter().filter(|r| ticked.contains(&r.id)).collect();
    super::dom::set_hidden("runs-charts", shown.is_empty());
    if shown.is_empty() {
        return;
    }
    let series = |pick: fn(&RunRecord) -> &Vec<[f32; 2]>| -> Vec<Series> {
        shown
            .iter()
            .enumerate()
            .map(|(k, r)| Series {
                label: format!("{} {}, {}", r.arch, r.brief(), r.cnn_accuracy.map_or_else(String::new, pct)),
                colour: CLASS_COLOURS[k % CLASS_COLOURS.len()],
                points: pick(r)
                    .iter()
                    .map(|p| (f64::from(p[0]) / f64::from(r.batches.max(1)), f64::from(p[1])))
                    .collect(),
                faint: false,
            })
            .collect()
    };
    let loss = series(|r| &r.loss);
    let top = loss.iter().flat_map(|s| s.points.iter().map(|p| p.1)).fold(0.5, f64::max).min(3.0);
    let x_title = "share of the run (0 = first batch, 1 = last)".to_string();
    let charts = [
        (
            "runs-loss-chart",
            Axes {
                name: "runs' loss chart",
                x: (0.0, 1.0),
                y: (0.0, top),
                x_title: x_title.clone(),
                y_title: "training loss (smoothed)",
                legend_left: false,
            },
            loss,
        ),
        (
            "runs-acc-chart",
            Axes {
                name: "runs' accuracy chart",
                x: (0.0, 1.0),
                y: (0.0, 1.0),
                x_title,
                y_title: "training accuracy (smoothed)",
                legend_left: false,
            },
            series(|r| &r.accuracy),
        ),
    ];
    for (id, axes, s) in charts {
        if let Err(e) = draw_lines(&by_id(id), &axes, &s) {
            status::show_error(&e.to_string());
        }
    }
}
