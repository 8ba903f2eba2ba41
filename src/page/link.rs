//! The page's end of the worker boundary: starts the training worker, posts [`ToWorker`]
//! messages to it, and hands each [`FromWorker`] to the module that shows it.
//!
//! The worker can be replaced: after a panic (its WebAssembly instance is not to be trusted
//! any more) or a lost GPU, a fresh one starts and gets the latest model back. A restart loop
//! (three in a minute) ends in an error instead.

use js_sys::{Array, Function, Reflect};
use std::cell::RefCell;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{ErrorEvent, MessageEvent, UrlSearchParams, Worker};

use super::dom::{el, now_ms, set_data, set_text, window};
use super::models_panel::{self, Kept};
use super::status::{self, fail, offer_retry, set_phase, set_progress, set_progress_text, show_error};
use super::{answer, classes, explorer, feature_map, pad, results, runs, sweep, training};
use crate::protocol::js::{from_js, to_js};
use crate::protocol::{FromWorker, ModelSource, Phase, ToWorker};

#[derive(Default)]
struct Link {
    worker: Option<Worker>,
    /// Bumped per worker, so the last words of a replaced one are ignored.
    generation: u32,
    /// The query the current worker was started with (a restart drops `autostart`).
    query: String,
    /// The model to hand a restarted worker once it is alive.
    restore: Option<Kept>,
    /// A worker that never started is not restarted (it would fail again).
    ever_alive: bool,
    /// The current worker listens: a wasm worker drops what is posted before it does, so
    /// messages wait in `queue` until its `Alive`.
    alive: bool,
    queue: Vec<ToWorker>,
    /// Times of recent restarts.
    restarts: Vec<f64>,
    /// Between a run's start and the end of its training (not its evaluation).
    in_run: bool,
    /// When a run last failed: a lost GPU can fail a read just before its own message.
    run_failed_at: f64,
}

thread_local! {
    static LINK: RefCell<Link> = RefCell::new(Link::default());
}

/// Posts `msg` to the current worker, or keeps it until the worker listens.
pub fn post(msg: ToWorker) {
    let worker = LINK.with(|l| {
        let mut l = l.borrow_mut();
        if !l.alive {
            l.queue.push(msg.clone());
            return None;
        }
        l.worker.clone()
    });
    if let Some(worker) = worker {
        send_to(&worker, &msg);
    }
}

fn send_to(worker: &Worker, msg: &ToWorker) {
    let (value, transfer) = to_js(msg);
    if let Err(e) = worker.post_message_with_transfer(&value, &transfer) {
        show_error(&format!("Could not send a message to the training worker: {e:?}."));
    }
}

/// Starts the first worker with the page's URL query. Messages posted before it listens are
/// kept, so the page can start work (fetching the shipped model) meanwhile.
pub fn start(query: String) {
    LINK.with(|l| l.borrow_mut().query = query);
    spawn(true);
}

/// `self.fashionBoot`, set by `web/boot.js`: the worker it started at once, the messages that
/// came before the page listened, and how to start another.
const BOOT: &str = "fashionBoot";

/// The first worker is the one `web/boot.js` started; a restart asks it for a new one.
fn spawn(first: bool) {
    let boot = Reflect::get(&window(), &BOOT.into()).unwrap_or(JsValue::UNDEFINED);
    let (worker, early) = if first {
        let worker = Reflect::get(&boot, &"worker".into()).ok().and_then(|w| w.dyn_into::<Worker>().ok());
        let early = Reflect::get(&boot, &"early".into()).ok().and_then(|e| e.dyn_into::<Array>().ok());
        (worker, early.unwrap_or_default())
    } else {
        let start = Reflect::get(&boot, &"startWorker".into()).ok().and_then(|f| f.dyn_into::<Function>().ok());
        let worker = start.and_then(|f| f.call0(&JsValue::UNDEFINED).ok()).and_then(|w| w.dyn_into::<Worker>().ok());
        (worker, Array::new())
    };
    let Some(worker) = worker else {
        return fail("Could not start the training worker: this browser refused to start it. Reload the page.");
    };
    let generation = LINK.with(|l| {
        let mut l = l.borrow_mut();
        l.generation += 1;
        l.worker = Some(worker.clone());
        l.alive = false;
        l.generation
    });
    let listener = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| on_message(generation, &e));
    worker.set_onmessage(Some(listener.as_ref().unchecked_ref()));
    listener.forget();
    // Handled here, not by the page's own error listener, even for a replaced worker (whose
    // WebAssembly traps right after a panic it has already reported).
    let listener = Closure::<dyn FnMut(ErrorEvent)>::new(move |e: ErrorEvent| on_worker_error(generation, &e));
    worker.set_onerror(Some(listener.as_ref().unchecked_ref()));
    listener.forget();
    for event in early.iter() {
        match event.dyn_into::<MessageEvent>() {
            Ok(e) => on_message(generation, &e),
            Err(e) => on_worker_error(generation, e.unchecked_ref()),
        }
    }
}

fn is_current(generation: u32) -> bool {
    LINK.with(|l| l.borrow().generation == generation)
}

fn on_message(generation: u32, e: &MessageEvent) {
    if is_current(generation) {
        match from_js::<FromWorker>(&e.data()) {
            Ok(msg) => dispatch(msg),
            Err(why) => show_error(&why.to_string()),
        }
    }
}

fn on_worker_error(generation: u32, e: &ErrorEvent) {
    e.prevent_default();
    if is_current(generation) {
        let what =
            Some(e.message()).filter(|m| !m.is_empty()).unwrap_or_else(|| "its script could not be loaded".into());
        restart(&format!("The training worker failed: {what}."), false);
    }
}

/// Replaces the worker after a panic or a lost GPU (`cpu`: the new one trains on the CPU).
fn restart(message: &str, cpu: bool) {
    let now = now_ms();
    let refuse = LINK.with(|l| {
        let mut l = l.borrow_mut();
        l.restarts.retain(|t| now - t < 60_000.0);
        if let Some(w) = l.worker.take() {
            w.terminate();
        }
        !l.ever_alive || l.restarts.len() >= 3
    });
    if refuse {
        return fail(&format!("{message} The page could not recover from this: reload it."));
    }
    let restore = models_panel::latest();
    let kept = match &restore {
        None => "There was no model yet.".to_string(),
        Some(Kept { source: ModelSource::Checkpoint, progress: Some((step, batches)), .. }) => {
            format!("The model trained so far ({step} of {batches} batches) is kept.")
        }
        Some(_) => "The current model is kept.".to_string(),
    };
    LINK.with(|l| {
        let mut l = l.borrow_mut();
        l.restarts.push(now);
        let q =
            UrlSearchParams::new_with_str(&l.query).unwrap_or_else(|_| UrlSearchParams::new().expect("empty params"));
        q.delete("autostart");
        if cpu {
            q.set("backend", "cpu");
        }
        l.query = format!("?{}", String::from(q.to_string()));
        l.restore = restore;
        l.in_run = false;
        // Meant for the worker that is gone (a picture to classify: the pad sends it again).
        l.queue.clear();
    });
    status::set_ready(false);
    training::clear_eta();
    set_phase(Phase::Loading, Some("Restarting the worker…"));
    show_error(&format!("{message} {kept}"));
    pad::worker_restarted();
    spawn(false);
}

fn set_in_run(in_run: bool) {
    LINK.with(|l| l.borrow_mut().in_run = in_run);
}

fn dispatch(msg: FromWorker) {
    match msg {
        FromWorker::Alive => alive(),
        FromWorker::Phase { phase, detail } => on_phase(phase, &detail),
        FromWorker::Error { message, panic, retry } => on_error(&message, panic, retry),
        FromWorker::Warning { message } => show_error(&message),
        FromWorker::GpuLost { reason, message } => on_gpu_lost(&reason, &message),
        FromWorker::Backend { kind, label } => {
            let e = el("backend");
            set_data(&e, "backend", Some(kind.as_str()));
            e.set_text_content(Some(&label));
        }
        FromWorker::Workers { count } => set_data(&el("backend"), "workers", Some(&count.to_string())),
        FromWorker::WasmDownload { loaded, total } => on_wasm_download(loaded, total),
        FromWorker::Download { loaded, total } => {
            let (fraction, text) = download_line("the dataset", loaded, Some(total));
            set_progress(fraction, Some(&text));
        }
        FromWorker::Dataset { train, test } => set_text(
            "dataset-info",
            &format!(
                "Fashion-MNIST: {} training and {} test images",
                crate::view::format::thousands(train as i64),
                crate::view::format::thousands(test as i64)
            ),
        ),
        FromWorker::DatasetView(view) => explorer::on_view(*view),
        FromWorker::Samples(page) => explorer::on_samples(*page),
        FromWorker::FeatureMap(map) => feature_map::on_map(*map),
        FromWorker::CustomClasses { names, counts, fitted } => classes::show(&names, &counts, fitted),
        FromWorker::ClassError { message } => classes::on_error(&message),
        FromWorker::ClassProgress { done, total } => classes::on_progress(done, total),
        FromWorker::ClassesFitted(f) => classes::on_fitted(&f),
        FromWorker::TrainStart { arch, epochs, batches, batches_per_epoch } => {
            show_error("");
            runs::on_train_start();
            results::on_run_start();
            set_in_run(true);
            models_panel::on_checkpoint(None);
            models_panel::on_run_start();
            training::on_train_start(arch, epochs, batches, batches_per_epoch);
        }
        FromWorker::Batch { epoch, step, points, images_per_second, elapsed, eta } => {
            training::on_batch(epoch, step, &points, images_per_second, elapsed, eta)
        }
        FromWorker::Epoch { step, loss, accuracy, held_out, .. } => training::on_epoch(step, loss, accuracy, held_out),
        FromWorker::Stopped { message } => {
            show_error("");
            set_progress_text(&message);
            training::clear_eta();
        }
        FromWorker::Trained { arch, images_per_second, warm_images_per_second, train_seconds, train_images, cost } => {
            set_in_run(false);
            results::on_trained(arch, images_per_second, warm_images_per_second, train_seconds, train_images, cost);
        }
        FromWorker::EvalProgress { done, total } => results::on_eval_progress(done, total),
        FromWorker::IndexProgress { done, total } => answer::on_index_progress(done, total),
        FromWorker::TestResult(r) => results::on_test_result(*r),
        FromWorker::SvmProgress(stage) => results::on_svm_progress(stage),
        FromWorker::SvmResult(r) => results::on_svm_result(*r),
        FromWorker::Checkpoint { step, batches, bytes } => models_panel::on_checkpoint(Some((step, batches, bytes.0))),
        FromWorker::ModelReady(d) => models_panel::on_model_ready(*d),
        FromWorker::ModelFile { purpose, arch, bytes } => models_panel::on_model_file(purpose, arch, bytes.0),
        FromWorker::ModelError { source, message } => models_panel::on_model_error(source, &message),
        FromWorker::Prediction(p) => answer::on_prediction(*p),
        FromWorker::Heatmap { seq, class, heat, image, millis } => {
            answer::on_heatmap(seq, class, &heat, &image, millis)
        }
        FromWorker::Memory { wasm_bytes, heap_bytes, gpu_bytes, gpu_buffers } => {
            super::app::show_memory(wasm_bytes, heap_bytes, gpu_bytes, gpu_buffers)
        }
    }
}

fn alive() {
    let (worker, query, restore, restarted, queued) = LINK.with(|l| {
        let mut l = l.borrow_mut();
        let restarted = l.ever_alive;
        l.ever_alive = true;
        l.alive = true;
        (l.worker.clone(), l.query.clone(), l.restore.take(), restarted, std::mem::take(&mut l.queue))
    });
    let Some(worker) = worker else { return };
    send_to(&worker, &ToWorker::Init { query: query.clone() });
    for msg in &queued {
        send_to(&worker, msg);
    }
    // The first worker's model was asked for at start (app.rs); a restarted one gets the
    // model in use back, or the model the URL asks for.
    match restore {
        Some(kept) => models_panel::restore(kept),
        None if restarted => models_panel::start(&query),
        None => {}
    }
}

/// The worker's wasm arriving: before it is in, nothing can load the model, so the bar and the
/// pad say what is coming.
fn on_wasm_download(loaded: f64, total: Option<f64>) {
    let (fraction, text) = match total {
        Some(t) if loaded >= t => (1.0, "Starting the training worker (compiling it)…".to_string()),
        _ => download_line("the training worker", loaded, total),
    };
    set_progress(fraction, Some(&text));
    pad::on_worker_download(&text);
}

/// The bar's fraction and line for a download of `what`: "Downloading the dataset: 4.1 of
/// 30.9 MB" (without a known total, the megabytes so far and an empty bar).
fn download_line(what: &str, loaded: f64, total: Option<f64>) -> (f64, String) {
    let mb = |b: f64| crate::view::format::to_fixed(b / 1e6, 1);
    match total {
        Some(t) => (loaded / t.max(1.0), format!("Downloading {what}: {} of {} MB", mb(loaded), mb(t))),
        None => (0.0, format!("Downloading {what}: {} MB", mb(loaded))),
    }
}

fn on_phase(phase: Phase, detail: &str) {
    // The end of a run: into the log; a sweep with combinations left starts the next instead.
    if phase == Phase::Done && sweep::on_run_end(runs::on_run_end()) {
        return set_in_run(false);
    }
    if phase == Phase::Ready {
        status::set_ready(true);
        offer_retry(false);
        set_progress(1.0, Some("Dataset ready."));
    }
    set_phase(phase, Some(detail));
    if matches!(phase, Phase::Ready | Phase::Done) {
        set_in_run(false);
        post(ToWorker::Memory);
    }
    if phase == Phase::Ready {
        sweep::on_ready();
    }
}

fn on_error(message: &str, panic: bool, retry: bool) {
    LINK.with(|l| {
        let mut l = l.borrow_mut();
        if l.in_run {
            l.run_failed_at = now_ms();
        }
        l.in_run = false;
    });
    if panic {
        sweep::cancel();
        return restart(&format!("{message} The worker was restarted."), false);
    }
    fail(message);
    offer_retry(retry);
    if !retry && sweep::is_active() {
        // The failed run's message stays in #error; the sweep goes on with the next.
        sweep::on_run_failed(message);
    }
}

fn on_gpu_lost(reason: &str, message: &str) {
    let during = LINK.with(|l| {
        let l = l.borrow();
        l.in_run || now_ms() - l.run_failed_at < 5000.0
    });
    let during = if during {
        format!(" during training, after batch {} of {}", training::trained_steps(), training::total_steps())
    } else {
        String::new()
    };
    let why = if message.is_empty() { reason } else { message };
    restart(
        &format!(
            "The GPU stopped working{during} (WebGPU device lost: {why}). The page goes on on the CPU; press Train to train there."
        ),
        true,
    );
}

/// The Train button: a run with the form's settings.
pub fn train() {
    if !status::is_ready() || status::is_running() {
        return;
    }
    if classes::is_fitting() {
        return show_error("The SVM is being fitted with your classes: press Train once that is done (a few seconds).");
    }
    // Read before set_phase locks (disables) the form.
    let query = super::form::query();
    runs::on_train_posted(&query, None);
    set_phase(Phase::Training, Some("Starting training…"));
    post(ToWorker::Train { query });
}

/// The Stop button.
/// The Stop button: during training it stops the run; once training is over (its label then
/// says Skip) it skips what is left of the evaluation.
pub fn stop() {
    sweep::cancel();
    if matches!(status::phase(), Phase::Evaluating | Phase::FittingSvm) {
        post(ToWorker::SkipEvaluation);
        set_text("status", "Skipping the rest of the evaluation…");
    } else {
        post(ToWorker::Stop);
        set_text("status", "Stopping after the current batch…");
    }
}

/// The Retry button, after a failed dataset download.
pub fn retry() {
    offer_retry(false);
    show_error("");
    set_phase(Phase::Loading, Some("Trying the download again…"));
    post(ToWorker::Retry);
}
