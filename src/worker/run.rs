//! A training run from the page: the core's driver, reported as messages, then the evaluation
//! and the SVM fit, and the finished model stored for the next visit.

use burn::prelude::Device;
use std::future::Future;
use std::ops::ControlFlow;
use std::rc::Rc;
use wasm_bindgen_futures::spawn_local;
use web_time::Instant;

use super::backend::Chosen;
use super::evaluate;
use super::files::{save_model, send_checkpoint};
use super::pool::Pool;
use super::send::{error, phase, send, warning};
use super::wait::{Signal, yield_now};
use super::{loading, slot, work};
use crate::dataset::FashionMnist;
use crate::model::Arch;
use crate::model::Model;
use crate::model_file::ModelInfo;
use crate::protocol::{BackendKind, FromWorker, HeldOut, ModelSource, Phase, SavePurpose, StepCost, TrainPoint};
use crate::settings::{SettingError, Settings, TrainSettings};
use crate::train::driver::{
    self, BatchReport, Clock, EpochReport, Options, Reporter, RunOutcome, RunShape, Snapshot, TrainError,
};
use crate::train::infer_split;

/// How often a run in progress sends the page a copy of its model: if the GPU is lost or the
/// worker dies, the page restarts it with this copy, so at most this much training is lost.
const CHECKPOINT_EVERY_SECONDS: f64 = 10.0;

/// The charts' points are sent at most this often (and after the last batch).
const BATCH_MESSAGE_EVERY_MS: u128 = 100;

/// The held-out curve's test images, measured at each epoch's end: a second or so on the CPU,
/// against minutes per epoch; the full test follows the run.
const HELD_OUT: usize = 1000;
const HELD_OUT_BATCH: usize = 250;

thread_local! {
    /// Stop was pressed during the current run (or its evaluation).
    static STOP: Rc<Signal> = Rc::new(Signal::new());
    /// Skip was pressed during the current run: it outlives the reset that follows a training
    /// Stop, so a Skip pressed while the last batch finishes still skips the test.
    static SKIP: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// `ToWorker::Stop`.
pub fn stop() {
    STOP.with(|s| s.fire());
}

/// `ToWorker::SkipEvaluation`.
pub fn skip_evaluation() {
    SKIP.set(true);
}

/// Whether the evaluation should end now: Stop or Skip pressed.
pub fn stop_requested() -> bool {
    STOP.with(|s| s.is_fired()) || SKIP.get()
}

pub(super) fn reset_stop() {
    STOP.with(|s| s.reset());
}

/// `ToWorker::Train`.
pub fn start_training(query: String) {
    let (settings, refused) = Settings::from_query_lenient(&query);
    if let Some(message) = SettingError::all_ignored(&refused) {
        warning(message);
    }
    spawn_local(run_training(settings, query));
}

/// Runs one training session; a second request while one runs is ignored (rapid clicks).
pub async fn run_training(settings: Settings, query: String) {
    let (Some(data), Some(chosen)) = (loading::dataset(), loading::chosen()) else { return };
    let Some(claim) = work::claim_for_training() else { return };
    reset_stop();
    SKIP.set(false);
    claim.device_free().await;
    // One GPU: WebGPU runs in this worker alone.
    let workers = match chosen.kind {
        BackendKind::Cpu => settings.workers_for(cores()),
        BackendKind::WebGpu => 1,
    };
    let result = train_and_evaluate(&settings, &query, &data, &chosen, workers).await;
    drop(claim);
    match result {
        Ok(()) => phase(Phase::Done, "Finished."),
        Err(e) => error(e),
    }
}

fn failure(e: TrainError) -> String {
    match e {
        TrainError::Diverged { .. } => {
            format!("{e} {}", if slot::has_model() { "The previous model is kept." } else { "" })
        }
        TrainError::Read(e) => e,
    }
}

/// The browser's logical cores, as it reports them.
fn cores() -> usize {
    let n = super::send::scope().navigator().hardware_concurrency();
    if n.is_finite() && n >= 1.0 { n as usize } else { 1 }
}

async fn train_and_evaluate(
    all: &Settings,
    query: &str,
    data: &FashionMnist,
    chosen: &Chosen,
    workers: usize,
) -> Result<(), String> {
    let device = &chosen.device;
    let settings = &all.train;
    let made_here = ModelInfo { settings: training_settings(query), made_by: "page".into(), ..ModelInfo::default() };
    let clock = WebClock(Instant::now());
    if workers > 1 {
        phase(Phase::Training, format!("Starting {} CPU workers", workers));
    }
    let (mut pool, problem) = Pool::start(workers - 1, settings.arch, settings.smoothing, chosen.cpu).await;
    let mut reporter = PageReporter::new(settings, made_here.clone(), STOP.with(Rc::clone), pool.workers());
    reporter.problem = problem;
    let options = Options { checkpoint_every: Some(CHECKPOINT_EVERY_SECONDS) };
    let calls_before = super::gpu_js::calls();
    let run = driver::train(device, &data.train, settings, &options, &mut reporter, &clock, &mut pool);
    let outcome = run.await.map_err(failure)?;
    let cost = step_cost(&outcome, pool.workers(), calls_before);
    if outcome.steps == 0 {
        let message = "Stopped before the first batch: nothing was trained.".to_string();
        send(FromWorker::Stopped { message });
        return Ok(());
    }
    if outcome.stopped {
        let message = format!("Stopped after {} batches; the model trained so far is kept.", outcome.steps);
        send(FromWorker::Stopped { message });
    }
    let shape = RunShape::new(settings, data.train.len());
    let info = ModelInfo { trained_images: outcome.images, ..made_here };
    // The trained CNN is safe with the page before the evaluation and the SVM fit (a minute or
    // more on big runs), in case the worker does not live to store the finished model.
    send_checkpoint(&outcome.model, info.clone(), outcome.steps, shape.batches).await;
    let generation = slot::replace(outcome.model.clone(), None, None, info.clone(), ModelSource::Trained);
    slot::send_model_ready();
    send_trained(settings.arch, &outcome, cost);
    evaluate_and_store(all, data, device, &outcome, info, generation, &mut pool).await
}

fn send_trained(arch: Arch, outcome: &RunOutcome, cost: StepCost) {
    send(FromWorker::Trained {
        arch,
        images_per_second: outcome.images_per_second,
        warm_images_per_second: outcome.warm_images_per_second,
        train_seconds: outcome.seconds,
        train_images: outcome.images as u32,
        cost,
    });
}

/// The run's cost per step; the WebGPU calls counted since `before`.
fn step_cost(outcome: &RunOutcome, workers: usize, before: Option<(f64, f64)>) -> StepCost {
    let steps = outcome.steps.max(1) as f64;
    // A CPU run beside an idle WebGPU device counts none: then there is nothing to show.
    let calls = before
        .zip(super::gpu_js::calls())
        .map(|((d0, s0), (d1, s1))| ((d1 - d0) / steps, (s1 - s0) / steps))
        .filter(|&(dispatches, _)| dispatches > 0.0);
    StepCost {
        workers: workers as u32,
        build_ms: outcome.build_seconds * 1000.0 / steps,
        dispatches: calls.map(|c| c.0),
        submits: calls.map(|c| c.1),
    }
}

/// Tests the trained model, fits the SVM on its features, and stores the result; the run's
/// helpers share the inference passes.
async fn evaluate_and_store(
    all: &Settings,
    data: &FashionMnist,
    device: &Device,
    outcome: &RunOutcome,
    mut info: ModelInfo,
    generation: u64,
    pool: &mut Pool,
) -> Result<(), String> {
    let n_train = RunShape::new(&all.train, data.train.len()).images;
    let n_test = all.train.test_limit.unwrap_or(usize::MAX).min(data.test.len());
    // A Stop that ended training has been honoured; a new one cuts the SVM fit short.
    reset_stop();
    let on_neighbours = |index| slot::set_neighbours(generation, index);
    let train = (&data.train, n_train);
    let test = (&data.test, n_test);
    let evaluation = evaluate::evaluate(&outcome.model, train, test, device, pool, &all.svm, on_neighbours).await?;
    info.cnn_accuracy = evaluation.cnn_accuracy;
    info.svm_accuracy = evaluation.svm.as_ref().map(|e| e.1);
    info.test_images = if info.cnn_accuracy.is_some() { n_test } else { 0 };
    slot::set_evaluated(generation, evaluation.svm.map(|e| e.0), info);
    if let Some(map) = evaluation.map {
        slot::set_map(generation, map);
    }
    // A model loaded meanwhile is in use now: this one's results are not its own.
    if slot::generation() == generation {
        slot::send_model_ready();
        // Kept for the next visit: the page stores it in IndexedDB.
        save_model(SavePurpose::Store).await;
    }
    Ok(())
}

/// The parameters of `query` that shape the model, as recorded with it (not `backend`,
/// `autostart`, `model`, `data` or a sweep).
fn training_settings(query: &str) -> String {
    let kept: Vec<&str> = query
        .trim_start_matches('?')
        .split('&')
        .filter(|kv| crate::settings::RUN_KEYS.contains(&kv.split('=').next().unwrap_or("")))
        .collect();
    kept.join("&")
}

struct WebClock(Instant);

impl Clock for WebClock {
    fn seconds(&self) -> f64 {
        self.0.elapsed().as_secs_f64()
    }
}

/// The run as the page sees it: a phase, the start, the charts' points, epochs, checkpoints.
struct PageReporter {
    arch: Arch,
    /// The run's `test_limit` (all: `usize::MAX`): the held-out curve uses its first images.
    test_limit: usize,
    made_here: ModelInfo,
    stop: Rc<Signal>,
    workers: usize,
    /// Said once the run has started (the page clears its message line then).
    problem: Option<String>,
    /// Points not yet sent.
    pending: Vec<TrainPoint>,
    last_sent: Instant,
}

impl PageReporter {
    fn new(settings: &TrainSettings, made_here: ModelInfo, stop: Rc<Signal>, workers: usize) -> Self {
        let (arch, test_limit) = (settings.arch, settings.test_limit.unwrap_or(usize::MAX));
        Self {
            arch,
            test_limit,
            made_here,
            stop,
            workers,
            problem: None,
            pending: Vec::new(),
            last_sent: Instant::now(),
        }
    }
}

impl Reporter for PageReporter {
    fn start(&mut self, shape: &RunShape) {
        let on = match self.workers {
            1 => String::new(),
            n => format!(", sharing each batch over {n} CPU workers"),
        };
        phase(Phase::Training, format!("Training {} on {} images{on}", self.arch, shape.images));
        send(FromWorker::TrainStart {
            arch: self.arch,
            epochs: shape.epochs as u32,
            batches: shape.batches as u32,
            batches_per_epoch: shape.batches_per_epoch as u32,
        });
        send(FromWorker::Workers { count: self.workers as u32 });
        if let Some(problem) = self.problem.take() {
            warning(problem);
        }
        self.last_sent = Instant::now();
    }

    fn batch(&mut self, b: &BatchReport) {
        let points = &mut self.pending;
        points.push(TrainPoint { step: b.step as u32, loss: b.loss, accuracy: b.accuracy });
        if self.last_sent.elapsed().as_millis() >= BATCH_MESSAGE_EVERY_MS || b.step == b.batches {
            self.last_sent = Instant::now();
            send(FromWorker::Batch {
                epoch: b.epoch as u32,
                step: b.step as u32,
                points: std::mem::take(points),
                images_per_second: b.images_per_second,
                elapsed: b.elapsed,
                eta: b.eta,
            });
        }
    }

    fn epoch(&mut self, e: &EpochReport) {
        let (epoch, step) = (e.epoch as u32, e.step as u32);
        send(FromWorker::Epoch { epoch, step, loss: e.loss, accuracy: e.accuracy, held_out: e.held_out });
    }

    async fn held_out(&mut self, model: impl FnOnce() -> Model) -> Option<HeldOut> {
        let (data, device) = (loading::dataset()?, loading::device()?);
        let n = HELD_OUT.min(self.test_limit).min(data.test.len());
        let model = model();
        let stop = self.stop.clone();
        let tested = infer_split(&model, &data.test, n, &device, HELD_OUT_BATCH, move |_| {
            let stop = stop.clone();
            async move {
                yield_now().await;
                if stop.is_fired() { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
            }
        })
        .await
        .ok()?;
        if tested.predictions.len() < n || n == 0 {
            return None;
        }
        let right = tested.predictions.iter().zip(&data.test.labels).filter(|(p, l)| p == l).count();
        Some(HeldOut { accuracy: right as f64 / n as f64, images: n as u32 })
    }

    fn stopping(&mut self) {
        phase(Phase::Evaluating, "Stopping: letting the batch in flight finish");
    }

    async fn checkpoint(&mut self, s: Snapshot) {
        let info = ModelInfo { trained_images: s.images, ..self.made_here.clone() };
        send_checkpoint(&s.model, info, s.step, s.batches).await;
    }

    fn should_stop(&self) -> bool {
        self.stop.is_fired()
    }

    fn stop_requested(&self) -> impl Future<Output = ()> {
        self.stop.wait()
    }

    async fn pause(&mut self) {
        yield_now().await;
    }
}
