//! Results on the test set: the results table with earlier runs (`#results-body`), the
//! classification report (`#report-table`), the λ search (`#lambda-table`, `#lambda-chart`),
//! the confusion matrices, and `#metrics`' data attributes; the test images go to the
//! gallery ([`super::gallery`]).

use std::cell::{Cell, RefCell};
use web_sys::Element;

use super::charts;
use super::dom::{by_id, data, el, set_data, set_hidden, set_text};
use super::{gallery, status};
use crate::arch::Arch;
use crate::protocol::{LambdaScore, Report, StepCost, SvmResult, SvmStage, TestResult};
use crate::view::format::{
    Scored, fmt_lambda, fmt_time, js_round, lambda_rows, pct, report_rows, round_thousands, thousands, to_fixed,
};

const SEARCH_NOTE: &str = "Each λ is fitted on 90% of the training features and scored on the other 10%; the best is then refitted on all of them.";
const NO_RESULTS: &str = "<tr><td colspan=\"4\">Train a model to see its test accuracy.</td></tr>";
/// How many earlier runs the results table keeps.
const HISTORY: usize = 5;

struct CnnResult {
    accuracy: f64,
    count: u32,
    report: Report,
}

struct SvmPart {
    accuracy: f64,
    kernel: String,
    lambda: f64,
    report: Report,
    feature_seconds: f64,
    feature_workers: u32,
    fit_seconds: f64,
    rows: u32,
}

/// Rows are the true class, columns the predicted one.
type Matrix = Vec<Vec<u32>>;

/// The run whose results are shown.
struct Run {
    arch: Arch,
    backend: String,
    images_per_second: f64,
    seconds: f64,
    images: u32,
    cnn: Option<CnnResult>,
    svm: Option<SvmPart>,
}

thread_local! {
    static RUN: RefCell<Option<Run>> = const { RefCell::new(None) };
    /// What the current run's steps cost (from `Trained`).
    static COST: std::cell::Cell<Option<StepCost>> = const { std::cell::Cell::new(None) };
    /// Earlier runs' rows of the results table, newest first.
    static EARLIER: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    /// The λ search's scores so far.
    static SCORES: RefCell<Vec<LambdaScore>> = const { RefCell::new(Vec::new()) };
    /// The confusion matrices shown (the CNN's, the SVM's), for a redraw at another width.
    static MATRICES: RefCell<[Option<Matrix>; 2]> = const { RefCell::new([None, None]) };
    /// The λ chosen by the last fit, for a redraw.
    static CHOSEN: Cell<Option<f64>> = const { Cell::new(None) };
}

/// What the experiment log records of the run just ended: its architecture, backend, speed,
/// time and accuracies (`None` before its training ended).
pub struct RunNumbers {
    pub arch: Arch,
    pub backend: String,
    pub images_per_second: f64,
    pub seconds: f64,
    pub cnn_accuracy: Option<f64>,
    pub svm_accuracy: Option<f64>,
}

pub fn run_numbers() -> Option<RunNumbers> {
    RUN.with_borrow(|r| {
        let r = r.as_ref()?;
        Some(RunNumbers {
            arch: r.arch,
            backend: r.backend.clone(),
            images_per_second: r.images_per_second,
            seconds: r.seconds,
            cnn_accuracy: r.cnn.as_ref().map(|c| c.accuracy),
            svm_accuracy: r.svm.as_ref().map(|s| s.accuracy),
        })
    })
}

/// Draws the matrices and the λ chart again at the width they are shown (after a resize).
pub fn redraw() {
    MATRICES.with_borrow(|matrices| {
        for (id, m) in ["confusion", "svm-confusion"].into_iter().zip(matrices) {
            if let Some(m) = m {
                charts::draw_confusion(&by_id(id), m);
            }
        }
    });
    SCORES.with_borrow(|s| {
        if !s.is_empty() {
            render_lambda(s, CHOSEN.get(), None);
        }
    });
}

fn metrics() -> Element {
    el("metrics").into()
}

/// A run starts: the last one becomes an earlier run, and `#metrics` forgets its numbers
/// (stale ones would read as the new run's results).
pub fn on_run_start() {
    status::show_error("");
    archive_run();
    RUN.set(None);
    let m = metrics();
    for name in [
        "cnn-accuracy",
        "svm-accuracy",
        "images-per-second",
        "warm-images-per-second",
        "feature-seconds",
        "feature-workers",
    ] {
        set_data(&m, name, None);
    }
    super::curves::clear();
    super::feature_map::clear();
    render_results();
}

pub fn on_trained(
    arch: Arch,
    images_per_second: f64,
    warm_images_per_second: Option<f64>,
    train_seconds: f64,
    train_images: u32,
    cost: StepCost,
) {
    let m = metrics();
    set_data(&m, "images-per-second", Some(&to_fixed(images_per_second, 1)));
    if let Some(warm) = warm_images_per_second {
        set_data(&m, "warm-images-per-second", Some(&to_fixed(warm, 1)));
    }
    set_data(&m, "build-ms-per-step", Some(&to_fixed(cost.build_ms, 1)));
    set_data(&m, "dispatches-per-step", cost.dispatches.map(|d| to_fixed(d, 1)).as_deref());
    set_data(&m, "submits-per-step", cost.submits.map(|s| to_fixed(s, 1)).as_deref());
    COST.set(Some(cost));
    let backend = data(&el("backend"), "backend").unwrap_or_else(|| "an unknown backend".into());
    let run =
        Run { arch, backend, images_per_second, seconds: train_seconds, images: train_images, cnn: None, svm: None };
    RUN.set(Some(run));
}

pub fn on_eval_progress(done: u32, total: u32) {
    let text = format!("Testing the CNN: {} of {} test images", thousands(done), thousands(total));
    status::set_progress(fraction(done, total), Some(&text));
}

fn fraction(done: u32, total: u32) -> f64 {
    if total > 0 { f64::from(done) / f64::from(total) } else { 1.0 }
}

pub fn on_test_result(r: TestResult) {
    set_data(&metrics(), "cnn-accuracy", Some(&to_fixed(r.cnn_accuracy, 4)));
    let (accuracy, count) = (r.cnn_accuracy, r.test_count);
    RUN.with_borrow_mut(|run| {
        if let Some(run) = run {
            run.cnn = Some(CnnResult { accuracy, count, report: r.report });
        }
    });
    render_results();
    render_report();
    set_hidden("svm-confusion-figure", true);
    charts::draw_confusion(&by_id("confusion"), &r.confusion);
    super::curves::on_cnn(r.curves);
    let confidence = r.confidence.0;
    MATRICES.set([Some(r.confusion), None]);
    CHOSEN.set(None);
    gallery::set_test(r.images.0, r.labels.0, r.predictions.0, confidence);
    SCORES.set(Vec::new());
    set_inner_html(&tbody("lambda-table"), "");
    set_hidden("svm-panel", true);
    let text = format!("CNN test accuracy {} on {} images.", pct(accuracy), thousands(count));
    status::set_progress(1.0, Some(&text));
}

pub fn on_svm_progress(stage: SvmStage) {
    let (progress, text) = match stage {
        SvmStage::Features { done, total } => {
            let (done_text, total_text) = (thousands(done), thousands(total));
            (
                fraction(done, total),
                format!("SVM: extracting the CNN's features of {total_text} training images ({done_text} done)"),
            )
        }
        SvmStage::Map { done, total } => {
            let (done_text, total_text) = (thousands(done), thousands(total));
            (
                fraction(done, total),
                format!("SVM: mapping {total_text} feature vectors for the kernel ({done_text} done)"),
            )
        }
        SvmStage::Search { progress, lambda, scores } => {
            keep_scores(scores);
            set_hidden("svm-panel", false);
            set_hidden("lambda-search", false);
            set_text("lambda-note", SEARCH_NOTE);
            SCORES.with_borrow(|s| render_lambda(s, None, Some(lambda)));
            (progress, format!("SVM: trying λ = {} on held-out training features", fmt_lambda(lambda)))
        }
        SvmStage::Final { progress, lambda, scores } => {
            keep_scores(scores);
            (progress, format!("SVM: fitting on all training features with λ = {}", fmt_lambda(lambda)))
        }
    };
    status::set_progress(progress, Some(&text));
}

fn keep_scores(scores: Option<Vec<LambdaScore>>) {
    if let Some(s) = scores {
        SCORES.set(s);
    }
}

pub fn on_svm_result(r: SvmResult) {
    let m = metrics();
    set_data(&m, "svm-accuracy", Some(&to_fixed(r.svm_accuracy, 4)));
    set_data(&m, "feature-seconds", Some(&to_fixed(r.feature_seconds, 2)));
    set_data(&m, "feature-workers", Some(&r.feature_workers.to_string()));
    let svm = SvmPart {
        accuracy: r.svm_accuracy,
        kernel: r.kernel,
        lambda: r.lambda,
        report: r.report,
        feature_seconds: r.feature_seconds,
        feature_workers: r.feature_workers,
        fit_seconds: r.fit_seconds,
        rows: r.train_rows,
    };
    let cnn = RUN.with_borrow_mut(|run| {
        let run = run.as_mut()?;
        run.svm = Some(svm);
        run.cnn.as_ref().map(|c| (c.accuracy, c.count))
    });
    render_results();
    render_report();
    show_lambda(&r.scores, r.lambda);
    SCORES.set(r.scores.clone());
    set_hidden("svm-confusion-figure", false);
    charts::draw_confusion(&by_id("svm-confusion"), &r.confusion);
    super::curves::on_svm(r.curves);
    MATRICES.with_borrow_mut(|m| m[1] = Some(r.confusion));
    CHOSEN.set(Some(r.lambda));
    gallery::set_svm(r.predictions.0);
    let text = match cnn {
        Some((a, count)) => {
            format!("CNN {}, CNN + SVM {} on {} test images.", pct(a), pct(r.svm_accuracy), thousands(count))
        }
        None => format!("CNN + SVM {} on the test images.", pct(r.svm_accuracy)),
    };
    status::set_progress(1.0, Some(&text));
}

/// The λ search's outcome, or that λ was fixed by the settings.
fn show_lambda(scores: &[LambdaScore], lambda: f64) {
    set_hidden("svm-panel", false);
    if scores.is_empty() {
        set_text("lambda-note", &format!("λ fixed at {} by the settings: no validation search.", fmt_lambda(lambda)));
    } else {
        set_text("lambda-note", SEARCH_NOTE);
        render_lambda(scores, Some(lambda), None);
    }
    set_hidden("lambda-search", scores.is_empty());
}

fn tbody(table: &str) -> Option<Element> {
    el(table).query_selector("tbody").ok().flatten()
}

fn set_inner_html(e: &Option<Element>, html: &str) {
    if let Some(e) = e {
        e.set_inner_html(html);
    }
}

fn render_results() {
    let mut rows = RUN.with_borrow(|run| run.as_ref().map(current_rows).unwrap_or_default());
    EARLIER.with_borrow(|earlier| earlier.iter().for_each(|row| rows.push_str(row)));
    el("results-body").set_inner_html(if rows.is_empty() { NO_RESULTS } else { &rows });
}

/// How the run's steps were made: the workers sharing them, and what each cost the worker.
fn cost_note(c: StepCost) -> String {
    let workers = if c.workers > 1 { format!(" ({} workers)", c.workers) } else { String::new() };
    let gpu = match (c.dispatches, c.submits) {
        (Some(d), Some(s)) => format!(", {} dispatches and {} submits", js_round(d), to_fixed(s, 1)),
        _ => String::new(),
    };
    format!("{workers}; per step {} ms of the worker's thread{gpu}", to_fixed(c.build_ms, 1))
}

/// The current run's two rows, once its CNN is tested.
fn current_rows(r: &Run) -> String {
    let Some(cnn) = &r.cnn else { return String::new() };
    let count = thousands(cnn.count);
    let trained = format!(
        "trained {} on {} images, {} images/s on {}{}",
        fmt_time(r.seconds),
        thousands(r.images),
        round_thousands(r.images_per_second),
        r.backend,
        COST.get().map(cost_note).unwrap_or_default()
    );
    let mut rows = format!(
        "<tr><td>CNN ({}, its softmax head)</td><td data-label=\"Test accuracy\"><b>{}</b></td>\
         <td data-label=\"Test images\">{count}</td><td data-label=\"Details\">{trained}</td></tr>",
        r.arch,
        pct(cnn.accuracy)
    );
    rows.push_str(&match &r.svm {
        Some(s) => {
            let how = format!(
                "λ = {}; features {}{}, fit {} s on {} images",
                fmt_lambda(s.lambda),
                fmt_time(s.feature_seconds),
                match s.feature_workers {
                    1 => String::new(),
                    n => format!(" over {n} workers"),
                },
                to_fixed(s.fit_seconds, 1),
                thousands(s.rows)
            );
            format!(
                "<tr><td>CNN + SVM (Pegasos, {})</td><td data-label=\"Test accuracy\"><b>{}</b></td>\
                 <td data-label=\"Test images\">{count}</td><td data-label=\"Details\">{how}</td></tr>",
                s.kernel,
                pct(s.accuracy)
            )
        }
        None => format!(
            "<tr><td>CNN + SVM</td><td>{}</td><td></td><td></td></tr>",
            if status::is_running() { "fitting…" } else { "–" }
        ),
    });
    rows
}

/// The tested run becomes the first earlier run.
fn archive_run() {
    let earlier = RUN.with_borrow(|run| {
        let r = run.as_ref()?;
        let cnn = r.cnn.as_ref()?;
        let svm = r.svm.as_ref().map_or_else(String::new, |s| format!(", +SVM {}", pct(s.accuracy)));
        let details =
            format!("{} images, {} images/s on {}", thousands(r.images), js_round(r.images_per_second), r.backend);
        let (label, count) = (r.arch, thousands(cnn.count));
        Some(format!(
            "<tr class=\"earlier\"><td>earlier run: {label}</td><td data-label=\"Test accuracy\">CNN {}{svm}</td>\
             <td data-label=\"Test images\">{count}</td><td data-label=\"Details\">{details}</td></tr>",
            pct(cnn.accuracy)
        ))
    });
    if let Some(e) = earlier {
        EARLIER.with_borrow_mut(|list| {
            list.insert(0, e);
            list.truncate(HISTORY);
        });
    }
}

/// The classification report, the CNN's and (once fitted) the SVM's side by side.
fn render_report() {
    let html = RUN.with_borrow(|run| {
        let r = run.as_ref()?;
        let cnn = r.cnn.as_ref()?;
        let svm = r.svm.as_ref().map(|s| Scored { report: &s.report, accuracy: s.accuracy });
        Some(report_rows(Scored { report: &cnn.report, accuracy: cnn.accuracy }, cnn.count, svm))
    });
    if let Some(html) = html {
        set_inner_html(&tbody("report-table"), &html);
        set_hidden("report-panel", false);
    }
}

/// The λ table (the chosen one marked, the one being fitted last) and the λ chart.
fn render_lambda(scores: &[LambdaScore], chosen: Option<f64>, current: Option<f64>) {
    let rows = lambda_rows(scores, chosen, current);
    set_inner_html(&tbody("lambda-table"), &rows);
    if let Err(e) = charts::draw_lambda(&by_id("lambda-chart"), scores, chosen) {
        status::show_error(&e.to_string());
    }
}
