//! The training driver on the real data (Burn's flex CPU backend), with a fake reporter and a
//! fake clock: what it reports, Stop, divergence and checkpoints.
#![cfg(not(target_arch = "wasm32"))]
mod common;

use burn::prelude::Device;
use fashion_cnn::model::{Arch, Model};
use fashion_cnn::protocol::HeldOut;
use fashion_cnn::settings::TrainSettings;
use fashion_cnn::train::driver::{
    BatchReport, Clock, EpochReport, Options, Reporter, RunOutcome, RunShape, Snapshot, TrainError, train,
};
use fashion_cnn::train::infer_split;
use fashion_cnn::train::replicas::NoReplicas;
use std::cell::Cell;
use std::ops::ControlFlow;
use std::rc::Rc;

/// Moves only when told: one second per batch, as the reporter says.
#[derive(Clone, Default)]
struct FakeClock(Rc<Cell<f64>>);

impl Clock for FakeClock {
    fn seconds(&self) -> f64 {
        self.0.get()
    }
}

#[derive(Default)]
struct Recorder {
    clock: FakeClock,
    shape: Option<RunShape>,
    batches: Vec<BatchReport>,
    epochs: Vec<EpochReport>,
    /// (the fake time, the snapshot's step, its images)
    checkpoints: Vec<(f64, usize, usize)>,
    /// Stop is pressed when the report of this step comes in.
    stop_at: Option<usize>,
    pauses: usize,
    /// Measure the held-out accuracy on this many test images at each epoch's end.
    held_out: Option<usize>,
}

impl Reporter for Recorder {
    fn start(&mut self, shape: &RunShape) {
        self.shape = Some(*shape);
    }
    fn batch(&mut self, report: &BatchReport) {
        self.batches.push(*report);
        self.clock.0.set(self.clock.0.get() + 1.0);
    }
    fn epoch(&mut self, report: &EpochReport) {
        self.epochs.push(*report);
    }
    async fn checkpoint(&mut self, snapshot: Snapshot) {
        self.checkpoints.push((self.clock.seconds(), snapshot.step, snapshot.images));
    }
    fn should_stop(&self) -> bool {
        self.stop_at.is_some_and(|k| self.batches.len() >= k)
    }
    async fn pause(&mut self) {
        self.pauses += 1;
    }
    async fn held_out(&mut self, model: impl FnOnce() -> Model) -> Option<HeldOut> {
        let n = self.held_out?;
        let test = &common::dataset().test;
        let continue_ = |_| async { ControlFlow::Continue(()) };
        let tested = infer_split(&model(), test, n, &Device::flex(), 100, continue_).await.ok()?;
        let right = tested.predictions.iter().zip(&test.labels).filter(|(p, l)| p == l).count();
        Some(HeldOut { accuracy: right as f64 / n as f64, images: n as u32 })
    }
}

/// three-conv on the first `images` training images, `batch` at a time, without warm-up so
/// that the first steps take the full learning rate.
fn settings(images: usize, batch: usize, epochs: usize, lr: f64) -> TrainSettings {
    TrainSettings {
        arch: Arch::ThreeConv,
        epochs,
        batch_size: batch,
        lr,
        warmup: 0.0,
        train_limit: Some(images),
        ..TrainSettings::default()
    }
}

fn run(settings: &TrainSettings, options: &Options, recorder: &mut Recorder) -> Result<RunOutcome, TrainError> {
    let clock = recorder.clock.clone();
    let split = &common::dataset().train;
    pollster::block_on(train(&Device::flex(), split, settings, options, recorder, &clock, &mut NoReplicas))
}

#[test]
fn a_short_run_reports_every_batch_and_epoch_and_lowers_the_loss() {
    let mut r = Recorder::default();
    let outcome = run(&settings(320, 32, 3, 2e-3), &Options::default(), &mut r).unwrap();
    assert_eq!(r.shape, Some(RunShape { images: 320, epochs: 3, batches_per_epoch: 10, batches: 30 }));
    assert_eq!(r.batches.len(), 30);
    assert_eq!(r.batches.iter().map(|b| b.step).collect::<Vec<_>>(), (1..=30).collect::<Vec<_>>());
    assert!(r.batches.iter().all(|b| b.batches == 30 && b.epoch == (b.step - 1) / 10 + 1));
    assert_eq!(r.batches[29].images, 960);
    assert_eq!(r.epochs.iter().map(|e| (e.epoch, e.step)).collect::<Vec<_>>(), [(1, 10), (2, 20), (3, 30)]);
    assert!(r.epochs[2].loss < 0.8 * r.epochs[0].loss, "epoch losses {:?}", r.epochs);
    assert!(r.epochs[2].accuracy > r.epochs[0].accuracy, "epoch accuracies {:?}", r.epochs);
    assert!((outcome.steps, outcome.images, outcome.stopped) == (30, 960, false), "{outcome:?}");
    // One fake second per batch: 30 s, and the warm rate leaves out the first 5 batches.
    assert_eq!(outcome.seconds, 30.0);
    assert_eq!(outcome.images_per_second, 32.0);
    assert_eq!(outcome.warm_images_per_second, Some(32.0 * 25.0 / 26.0));
    assert!(r.checkpoints.is_empty(), "no checkpoints unless asked for");
    assert_eq!(r.pauses, 30, "the fake clock moves 1 s a batch: a pause after each");
}

/// The held-out accuracy is measured at each full epoch's end, on the model as it is then,
/// and it rises as the model learns; a caller that does not measure it gets none.
#[test]
fn each_epoch_reports_the_held_out_accuracy_of_the_model_then() {
    let mut r = Recorder { held_out: Some(300), ..Recorder::default() };
    run(&settings(640, 32, 2, 2e-3), &Options::default(), &mut r).unwrap();
    let held: Vec<HeldOut> = r.epochs.iter().filter_map(|e| e.held_out).collect();
    assert_eq!(held.len(), 2, "{:?}", r.epochs);
    assert!(held.iter().all(|h| h.images == 300));
    assert!(held[0].accuracy > 0.3, "after one epoch of 640 images: {held:?}");
    assert!(held[1].accuracy >= held[0].accuracy, "{held:?}");
    let mut quiet = Recorder::default();
    run(&settings(64, 32, 1, 2e-3), &Options::default(), &mut quiet).unwrap();
    assert_eq!(quiet.epochs[0].held_out, None);
}

/// Stop pressed as step k's report comes in: step k+1 is already in flight, so it finishes
/// and counts; nothing more is queued, and the cut-short epoch has no summary.
#[test]
fn stop_ends_the_run_after_the_batch_in_flight() {
    for k in [3, 12] {
        let mut r = Recorder { stop_at: Some(k), ..Recorder::default() };
        let outcome = run(&settings(320, 32, 2, 2e-3), &Options::default(), &mut r).unwrap();
        assert!(outcome.stopped);
        assert_eq!(outcome.steps, k + 1);
        assert_eq!(outcome.images, (k + 1) * 32);
        assert_eq!(r.batches.len(), k + 1);
        assert_eq!(r.epochs.len(), k / 10, "stop at {k}: {:?}", r.epochs);
    }
}

#[test]
fn stop_before_the_first_batch_trains_nothing() {
    let mut r = Recorder { stop_at: Some(0), ..Recorder::default() };
    let outcome = run(&settings(320, 32, 1, 2e-3), &Options::default(), &mut r).unwrap();
    assert!((outcome.steps, outcome.images, outcome.stopped) == (0, 0, true), "{outcome:?}");
    assert!(r.batches.is_empty() && r.epochs.is_empty());
    assert_eq!(outcome.warm_images_per_second, None);
}

#[test]
fn a_huge_learning_rate_ends_in_divergence_naming_epoch_and_batch() {
    let mut r = Recorder::default();
    let error = run(&settings(256, 32, 2, 1e6), &Options::default(), &mut r).unwrap_err();
    let TrainError::Diverged { epoch, batch, lr, .. } = error else { panic!("not diverged: {error}") };
    // The first step's loss is measured before any update: it cannot have diverged.
    assert!(epoch == 1 && batch >= 2, "epoch {epoch}, batch {batch}");
    assert_eq!(lr, 1e6);
    assert_eq!(r.batches.len(), batch - 1, "the steps before it were reported");
    let message = error.to_string();
    assert!(message.contains(&format!("at epoch {epoch}, batch {batch}, so training has diverged")), "{message}");
    assert!(
        message.contains("The learning rate (1000000) is probably too large: try one ten times smaller."),
        "{message}"
    );
}

/// Every 3 fake seconds, i.e. after steps 3, 6, 9, ...; each snapshot counts the step in
/// flight, and none comes once the last step is queued.
#[test]
fn checkpoints_come_at_the_clocks_intervals() {
    let mut r = Recorder::default();
    let options = Options { checkpoint_every: Some(3.0) };
    run(&settings(320, 32, 1, 2e-3), &options, &mut r).unwrap();
    assert_eq!(r.checkpoints, [(3.0, 4, 128), (6.0, 7, 224)]);
}
