//! The grid search (`#sweep`): one run per combination of a sweep's value lists
//! ([`crate::sweep`]), one after another, the rest of the settings from the form; each run
//! goes into the experiment log. A table (and, for two settings, a grid coloured by accuracy)
//! shows each combination's test accuracy, the best marked; a button puts the best settings
//! into the form. `#status[data-phase]` reads `done` only after the last combination.

use std::cell::RefCell;

use wasm_bindgen::JsCast;
use web_sys::{Event, HtmlElement, HtmlInputElement, HtmlSelectElement, UrlSearchParams};

use super::dom::{by_id, document, el, on, set_data, set_hidden, set_text};
use super::status::{self, set_phase, show_error};
use super::{form, link, model_summary, runs};
use crate::protocol::{Phase, ToWorker};
use crate::sweep::{KEY, Sweep, label, run_query};
use crate::view::format::pct;

/// One combination's outcome.
#[derive(Clone)]
enum Outcome {
    Waiting,
    Logged { run_id: String, cnn: Option<f64>, svm: Option<f64> },
    Failed(String),
}

struct Active {
    spec: String,
    sweep: Sweep,
    base: String,
    combos: Vec<Vec<(String, String)>>,
    outcomes: Vec<Outcome>,
    /// The combination running now.
    at: usize,
    /// Stop was pressed: no further runs.
    cancelled: bool,
    /// The last run has ended.
    finished: bool,
}

thread_local! {
    static ACTIVE: RefCell<Option<Active>> = const { RefCell::new(None) };
    /// The URL's sweep, to start once the dataset is in (`autostart=1`).
    static AUTOSTART: RefCell<Option<String>> = const { RefCell::new(None) };
    /// The best combination of the last finished sweep.
    static BEST: RefCell<Option<Vec<(String, String)>>> = const { RefCell::new(None) };
}

/// The URL's `sweep` into the input; with `autostart=1` it starts once the dataset is in.
pub fn init(query: &str) {
    on::<Event>("sweep-button", "click", |_| begin(&by_id::<HtmlInputElement>("sweep-input").value()));
    on::<Event>("sweep-use-best", "click", |_| use_best());
    let params = UrlSearchParams::new_with_str(query).ok();
    let Some(spec) = params.as_ref().and_then(|p| p.get(KEY)) else { return };
    by_id::<HtmlInputElement>("sweep-input").set_value(&spec);
    match Sweep::parse(&spec) {
        Ok(_) if params.and_then(|p| p.get("autostart")).is_some_and(|a| a == "1") => AUTOSTART.set(Some(spec)),
        Ok(s) => set_text("sweep-note", &format!("{} combinations: press Run the sweep.", s.len())),
        Err(e) => refuse(&e.to_string()),
    }
}

/// The query the worker starts with: a sweep's `autostart` is the page's to act on, so the
/// worker must not start a run of its own.
pub fn worker_query(query: &str) -> String {
    let Ok(params) = UrlSearchParams::new_with_str(query) else { return query.to_string() };
    if params.get(KEY).is_none() {
        return query.to_string();
    }
    params.delete("autostart");
    format!("?{}", String::from(params.to_string()))
}

fn refuse(message: &str) {
    set_text("sweep-note", message);
    show_error(message);
}

/// The dataset is in: the URL's sweep starts, if it asked to.
pub fn on_ready() {
    if let Some(spec) = AUTOSTART.take() {
        begin(&spec);
    }
}

pub fn is_active() -> bool {
    ACTIVE.with_borrow(|a| a.as_ref().is_some_and(|a| !a.cancelled && !a.finished))
}

/// Starts a sweep over `spec`, unless it is malformed or a run is going on.
fn begin(spec: &str) {
    let sweep = match Sweep::parse(spec) {
        Ok(s) => s,
        Err(e) => return refuse(&e.to_string()),
    };
    if !status::is_ready() || status::is_running() || super::classes::is_fitting() {
        return refuse("A sweep starts once the dataset is in and no run or fit is going on.");
    }
    show_error("");
    let combos = sweep.combinations();
    let e = el("sweep");
    set_data(&e, "combinations", Some(&combos.len().to_string()));
    set_data(&e, "best-run-id", None);
    set_hidden("sweep-use-best", true);
    let outcomes = vec![Outcome::Waiting; combos.len()];
    // The form over the URL: what every run shares.
    let base = form::query();
    ACTIVE.set(Some(Active {
        spec: spec.to_string(),
        sweep,
        base,
        combos,
        outcomes,
        at: 0,
        cancelled: false,
        finished: false,
    }));
    render();
    start_current();
}

fn start_current() {
    let next = ACTIVE.with_borrow(|a| {
        let a = a.as_ref()?;
        let combo = a.combos.get(a.at)?;
        Some((run_query(&a.base, combo), a.spec.clone(), label(combo), a.at, a.combos.len()))
    });
    let Some((query, spec, what, at, total)) = next else { return };
    runs::on_train_posted(&query, Some(&spec));
    let text = format!("Sweep: run {} of {total} ({what})", at + 1);
    set_text("sweep-note", &format!("{text}…"));
    set_phase(Phase::Training, Some(&text));
    link::post(ToWorker::Train { query });
}

/// Stop pressed: the run in progress ends as Stop says, and no further run starts.
pub fn cancel() {
    ACTIVE.with_borrow_mut(|a| {
        if let Some(a) = a {
            a.cancelled = true;
        }
    });
}

/// The current combination's run ended (`run_id`: its log record). Returns whether the sweep
/// goes on (the page is then not done).
pub fn on_run_end(run_id: Option<String>) -> bool {
    let numbers = run_id.as_ref().and_then(|id| runs::records().into_iter().find(|r| &r.id == id));
    let outcome = match (run_id, numbers) {
        (Some(run_id), Some(r)) => Outcome::Logged { run_id, cnn: r.cnn_accuracy, svm: r.svm_accuracy },
        _ => Outcome::Failed("nothing was trained".into()),
    };
    advance(outcome)
}

/// The current combination's run failed (a diverging learning rate, say): recorded, and the
/// sweep goes on with the next.
pub fn on_run_failed(message: &str) -> bool {
    advance(Outcome::Failed(message.to_string()))
}

fn advance(outcome: Outcome) -> bool {
    let going_on = ACTIVE.with_borrow_mut(|a| {
        let a = a.as_mut().filter(|a| !a.finished)?;
        if let Some(o) = a.outcomes.get_mut(a.at) {
            *o = outcome;
        }
        a.at += 1;
        let going_on = !a.cancelled && a.at < a.combos.len();
        a.finished = !going_on;
        Some(going_on)
    });
    let Some(going_on) = going_on else { return false };
    render();
    if going_on {
        start_current();
    } else {
        finish();
    }
    going_on
}

/// The best combination marked, its run's id in `#sweep[data-best-run-id]`.
fn finish() {
    let best = ACTIVE.with_borrow(|a| {
        let a = a.as_ref()?;
        let (k, id) = best_of(a)?;
        Some((a.combos[k].clone(), id, a.cancelled, a.at, a.combos.len()))
    });
    let done = ACTIVE.with_borrow(|a| a.as_ref().map_or(0, |a| a.at));
    match best {
        Some((combo, id, cancelled, at, total)) => {
            set_data(&el("sweep"), "best-run-id", Some(&id));
            let stopped = if cancelled { format!(" (stopped after {at} of {total})") } else { String::new() };
            set_text("sweep-note", &format!("Sweep finished{stopped}: the best is {}.", label(&combo)));
            BEST.set(Some(combo));
            set_hidden("sweep-use-best", false);
        }
        None => set_text("sweep-note", &format!("Sweep ended after {done} run(s) without a tested model.")),
    }
}

/// The index and run id of the best logged combination, by CNN + SVM, else CNN, accuracy.
fn best_of(a: &Active) -> Option<(usize, String)> {
    let mut best: Option<(usize, String, f64)> = None;
    for (k, o) in a.outcomes.iter().enumerate() {
        if let Outcome::Logged { run_id, cnn, svm } = o {
            let s = svm.or(*cnn);
            if let Some(s) = s.filter(|s| best.as_ref().is_none_or(|b| *s > b.2)) {
                best = Some((k, run_id.clone(), s));
            }
        }
    }
    best.map(|(k, id, _)| (k, id))
}

fn render() {
    ACTIVE.with_borrow(|a| {
        let Some(a) = a else { return };
        let best = best_of(a).map(|b| b.0).filter(|_| a.finished);
        let head: String = a.sweep.axes.iter().map(|x| format!("<th>{}</th>", x.key)).collect();
        let mut html = format!("<thead><tr>{head}<th>CNN</th><th>CNN + SVM</th><th></th></tr></thead><tbody>");
        for (k, (combo, outcome)) in a.combos.iter().zip(&a.outcomes).enumerate() {
            let values: String = combo.iter().map(|(key, v)| format!("<td data-label=\"{key}\">{v}</td>")).collect();
            let (cnn, svm, note) = match outcome {
                Outcome::Waiting if k == a.at && !a.cancelled => ("…".into(), "…".into(), "running".to_string()),
                Outcome::Waiting => ("".into(), "".into(), String::new()),
                Outcome::Logged { cnn, svm, .. } => (
                    cnn.map_or_else(|| "–".into(), pct),
                    svm.map_or_else(|| "–".into(), pct),
                    if best == Some(k) { "★ best".into() } else { String::new() },
                ),
                Outcome::Failed(why) => ("–".into(), "–".into(), format!("failed: {why}")),
            };
            let class = if best == Some(k) { " class=\"best\"" } else { "" };
            html.push_str(&format!(
                "<tr{class}>{values}<td data-label=\"CNN\">{cnn}</td><td data-label=\"CNN + SVM\">{svm}</td><td>{note}</td></tr>"
            ));
        }
        html.push_str("</tbody>");
        el("sweep-table").set_inner_html(&html);
        render_grid(a, best);
    });
}

/// Two settings: a grid of accuracies, rows the first setting's values, columns the second's,
/// each cell shaded by its accuracy among the sweep's.
fn render_grid(a: &Active, best: Option<usize>) {
    let grid = el("sweep-grid");
    grid.set_inner_html("");
    let [rows, columns] = &a.sweep.axes[..] else {
        grid.set_hidden(true);
        return;
    };
    grid.set_hidden(false);
    let scores: Vec<Option<f64>> = a
        .outcomes
        .iter()
        .map(|o| match o {
            Outcome::Logged { cnn, svm, .. } => svm.or(*cnn),
            _ => None,
        })
        .collect();
    let (lo, hi) = scores.iter().flatten().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &s| (l.min(s), h.max(s)));
    let head: String = columns.values.iter().map(|v| format!("<th>{}={v}</th>", columns.key)).collect();
    let mut html = format!("<thead><tr><th></th>{head}</tr></thead><tbody>");
    for (r, rv) in rows.values.iter().enumerate() {
        html.push_str(&format!("<tr><th>{}={rv}</th>", rows.key));
        for c in 0..columns.values.len() {
            let k = r * columns.values.len() + c;
            let text = scores[k].map_or_else(String::new, pct);
            let mark = if best == Some(k) { " ★" } else { "" };
            html.push_str(&format!("<td data-cell=\"{k}\">{text}{mark}</td>"));
        }
        html.push_str("</tr>");
    }
    html.push_str("</tbody>");
    grid.set_inner_html(&html);
    // Shaded through the CSSOM: the page's CSP refuses inline style attributes.
    for (k, s) in scores.iter().enumerate() {
        let Some(s) = s else { continue };
        let Ok(Some(cell)) = grid.query_selector(&format!("td[data-cell=\"{k}\"]")) else { continue };
        let share = if hi > lo { (s - lo) / (hi - lo) } else { 1.0 };
        let alpha = 0.12 + 0.6 * share;
        let _ = cell
            .unchecked_ref::<HtmlElement>()
            .style()
            .set_property("background", &format!("rgba(36,86,200,{alpha:.2})"));
    }
}

/// The best combination's values into the form (a setting the form does not show is named,
/// to be put in the address).
fn use_best() {
    let Some(combo) = BEST.with_borrow(Clone::clone) else { return };
    let mut elsewhere = Vec::new();
    for (key, value) in &combo {
        let Some(control) = document().get_element_by_id(key) else {
            elsewhere.push(format!("{key}={value}"));
            continue;
        };
        if let Some(select) = control.dyn_ref::<HtmlSelectElement>() {
            select.set_value(value);
        } else if let Some(input) = control.dyn_ref::<HtmlInputElement>() {
            if input.type_() == "checkbox" {
                input.set_checked(value == "1");
            } else {
                input.set_value(value);
            }
        }
        if let Ok(change) = Event::new("change") {
            let _ = control.dispatch_event(&change);
        }
    }
    model_summary::show();
    let mut text = format!("The form now holds the best settings: {}.", label(&combo));
    if !elsewhere.is_empty() {
        text.push_str(&format!(" Not in the form, so add to the address: {}.", elsewhere.join("&")));
    }
    set_text("sweep-note", &text);
}
