//! One training run: epochs of shuffled, augmented batches on the learning-rate schedule, one
//! step in flight, Stop, divergence, checkpoints and throughput. The worker and the native
//! command run this same loop; they differ only in how they report ([`Reporter`]) and tell the
//! time ([`Clock`]).

use burn::prelude::Device;
use rand::SeedableRng;
use rand::rngs::SmallRng;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use super::replicas::{self, Replicas};
use super::{StatsRead, StepStats, Trainer, learning_rate};
use crate::batch::{Batch, epoch_batches};
use crate::dataset::Split;
use crate::model::Model;
use crate::protocol::HeldOut;
use crate::settings::TrainSettings;

/// Batches left out of the warm throughput (shader compilation, allocator warm-up), as the
/// TF.js benchmark measures it.
pub const WARM_UP: usize = 5;

/// A training loss above this stops the run as diverged: a cross-entropy over ten classes
/// above 1e4 means the weights have blown up (the stable log-softmax keeps it finite long
/// after), so it is treated as NaN is.
pub const DIVERGED_LOSS: f32 = 1e4;

/// How long the run may keep the thread before it lets other work in ([`Reporter::pause`]).
const PAUSE_EVERY_SECONDS: f64 = 0.03;

/// Seconds from any fixed start, never going back.
pub trait Clock {
    fn seconds(&self) -> f64;
}

/// How a run tells its caller what happens, and learns whether to stop. Only the batch and
/// epoch reports are required; the rest default to a caller that never stops nor yields.
pub trait Reporter {
    /// Before the first step.
    fn start(&mut self, _shape: &RunShape) {}
    /// After every step, in order.
    fn batch(&mut self, report: &BatchReport);
    /// After each epoch that ran to its end (not the one a Stop cut short).
    fn epoch(&mut self, report: &EpochReport);
    /// The model's accuracy on images it is not trained on, at the end of each full epoch, for
    /// the curves; `model()` builds the inference model, only for a caller that measures it.
    fn held_out(&mut self, _model: impl FnOnce() -> Model) -> impl Future<Output = Option<HeldOut>> {
        async { None }
    }
    /// Stop came while a batch was in flight: it is let finish, and is counted.
    fn stopping(&mut self) {}
    /// A copy of the model so far, every [`Options::checkpoint_every`] seconds.
    fn checkpoint(&mut self, _snapshot: Snapshot) -> impl Future<Output = ()> {
        async {}
    }
    /// Whether Stop was asked for; checked before each batch is queued.
    fn should_stop(&self) -> bool {
        false
    }
    /// Resolves once Stop is asked for, so that a long batch in flight does not delay it.
    fn stop_requested(&self) -> impl Future<Output = ()> {
        std::future::pending()
    }
    /// Lets other work run (the worker's messages, such as Stop).
    fn pause(&mut self) -> impl Future<Output = ()> {
        async {}
    }
}

/// What the driver does beyond the settings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Options {
    /// Seconds between checkpoints; `None`: none.
    pub checkpoint_every: Option<f64>,
}

/// The size of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunShape {
    /// Training images per epoch (the first ones of the split).
    pub images: usize,
    pub epochs: usize,
    pub batches_per_epoch: usize,
    pub batches: usize,
}

impl RunShape {
    /// The run `settings` asks for on a split of `available` images.
    pub fn new(settings: &TrainSettings, available: usize) -> Self {
        let images = settings.train_limit.unwrap_or(usize::MAX).min(available);
        let batches_per_epoch = images.div_ceil(settings.batch_size.max(1));
        Self { images, epochs: settings.epochs, batches_per_epoch, batches: batches_per_epoch * settings.epochs }
    }
}

/// One step's numbers and where the run is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BatchReport {
    /// 1-based.
    pub epoch: usize,
    /// 1-based step of the run.
    pub step: usize,
    /// Of the whole run.
    pub batches: usize,
    pub loss: f32,
    pub accuracy: f32,
    /// Trained on so far.
    pub images: usize,
    pub elapsed: f64,
    pub images_per_second: f64,
    /// Seconds left at this throughput.
    pub eta: f64,
}

/// One finished epoch: means over its images.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpochReport {
    /// 1-based.
    pub epoch: usize,
    /// The run's step count at its end.
    pub step: usize,
    pub loss: f64,
    pub accuracy: f64,
    /// From [`Reporter::held_out`].
    pub held_out: Option<HeldOut>,
}

/// The model trained so far. It includes the step in flight, so `step` and `images` count it.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub model: Model,
    pub step: usize,
    pub batches: usize,
    pub images: usize,
}

/// How a run that did not fail ended.
#[derive(Clone, Debug)]
pub struct RunOutcome {
    /// The model for inference.
    pub model: Model,
    pub steps: usize,
    pub images: usize,
    /// Stop ended it (possibly before the first step: `steps == 0`).
    pub stopped: bool,
    pub seconds: f64,
    pub images_per_second: f64,
    /// After the first [`WARM_UP`] batches; `None` when the run was no longer than that.
    pub warm_images_per_second: Option<f64>,
    /// Seconds the caller's thread spent building and queueing steps (on the CPU, and shared
    /// with replicas, that is the steps' whole work; on a GPU, the part a faster GPU does not
    /// shorten).
    pub build_seconds: f64,
}

/// Why a run failed.
#[derive(Clone, Debug, PartialEq)]
pub enum TrainError {
    /// The loss became NaN, infinite or above [`DIVERGED_LOSS`] at this (1-based) batch of
    /// this epoch.
    Diverged { loss: f32, epoch: usize, batch: usize, lr: f64 },
    /// A step's results could not be read back from the device.
    Read(String),
}

impl fmt::Display for TrainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrainError::Diverged { loss, epoch, batch, lr } => {
                let loss = if loss.is_finite() { format!("{loss:.3e}") } else { loss.to_string() };
                write!(
                    f,
                    "Training stopped: the loss became {loss} at epoch {epoch}, batch {batch}, so training has \
                     diverged. The learning rate ({lr}) is probably too large: try one ten times smaller."
                )
            }
            TrainError::Read(e) => f.write_str(e),
        }
    }
}

impl std::error::Error for TrainError {}

/// Trains a fresh `settings.arch` on the first images of `split` as `settings` says, each step
/// shared with `replicas` ([`replicas::NoReplicas`]: alone).
pub async fn train<R: Reporter, C: Clock>(
    device: &Device,
    split: &Split,
    settings: &TrainSettings,
    options: &Options,
    reporter: &mut R,
    clock: &C,
    replicas: &mut impl Replicas,
) -> Result<RunOutcome, TrainError> {
    let shape = RunShape::new(settings, split.len());
    reporter.start(&shape);
    let mut run = Run::new(device, settings, options, shape, clock.seconds());
    let mut stopped = false;
    'epochs: for epoch in 0..settings.epochs {
        let mut sums = EpochSums::default();
        let batches = epoch_batches(shape.images, settings.batch_size, &mut run.rng);
        // The `None` at the end drains the step in flight before the epoch's summary.
        for indices in batches.into_iter().map(Some).chain([None]) {
            let stop_now = reporter.should_stop();
            let next = match indices {
                Some(indices) if !stop_now => {
                    let t0 = clock.seconds();
                    let read = run.queue(split, &indices, replicas).await?;
                    run.build_seconds += clock.seconds() - t0;
                    Some(read)
                }
                _ => None,
            };
            let Some(read) = std::mem::replace(&mut run.in_flight, next) else {
                if stop_now {
                    stopped = true;
                    break 'epochs;
                }
                continue;
            };
            let stats = run.finish(read, epoch, reporter).await?;
            sums.add(&stats);
            run.count(stats, epoch, reporter, clock).await;
        }
        let mut report = sums.report(epoch, run.step);
        if !reporter.should_stop() {
            report.held_out = reporter.held_out(|| run.trainer.inference_model()).await;
        }
        reporter.epoch(&report);
    }
    Ok(run.outcome(stopped, clock.seconds()))
}

#[derive(Default)]
struct EpochSums {
    loss: f64,
    correct: usize,
    seen: usize,
}

impl EpochSums {
    fn add(&mut self, stats: &StepStats) {
        self.loss += stats.loss as f64 * stats.size as f64;
        self.correct += stats.correct;
        self.seen += stats.size;
    }

    fn report(&self, epoch: usize, step: usize) -> EpochReport {
        let seen = self.seen.max(1) as f64;
        EpochReport {
            epoch: epoch + 1,
            step,
            loss: self.loss / seen,
            accuracy: self.correct as f64 / seen,
            held_out: None,
        }
    }
}

/// A run's state between steps.
struct Run<'a> {
    trainer: Trainer,
    rng: SmallRng,
    settings: &'a TrainSettings,
    options: &'a Options,
    shape: RunShape,
    /// One step in flight (`begin_read`): step k+1 is queued before step k's results are
    /// awaited, so the GPU is not idle while k's numbers are handled and k+2 is built.
    in_flight: Option<StatsRead>,
    queued: usize,
    queued_images: usize,
    step: usize,
    images: usize,
    started: f64,
    /// (time, images) when [`WARM_UP`] batches were done.
    warm: Option<(f64, usize)>,
    last_pause: f64,
    last_checkpoint: f64,
    build_seconds: f64,
}

impl<'a> Run<'a> {
    fn new(device: &Device, settings: &'a TrainSettings, options: &'a Options, shape: RunShape, now: f64) -> Self {
        let trainer = Trainer::new(settings.arch, device, settings.lr, settings.seed)
            .with_regularization(settings.smoothing, settings.weight_decay);
        Self {
            trainer,
            rng: SmallRng::seed_from_u64(settings.seed),
            settings,
            options,
            shape,
            in_flight: None,
            queued: 0,
            queued_images: 0,
            step: 0,
            images: 0,
            started: now,
            warm: None,
            last_pause: now,
            last_checkpoint: now,
            build_seconds: 0.0,
        }
    }

    /// Builds and queues the step on `indices`. Shared with replicas, the step is done when
    /// this returns: the next one needs its update, so nothing is left in flight.
    async fn queue(
        &mut self,
        split: &Split,
        indices: &[usize],
        replicas: &mut impl Replicas,
    ) -> Result<StatsRead, TrainError> {
        let s = self.settings;
        self.trainer.lr = learning_rate(s.lr, s.lr_decay, s.warmup, self.queued, self.shape.batches);
        let batch = Batch::gather_augmented(split, indices, &s.augmentation(), &mut self.rng);
        let read = if replicas.count() == 0 {
            self.trainer.step(&batch).begin_read()
        } else {
            let stats = replicas::step(&mut self.trainer, replicas, &batch).await.map_err(TrainError::Read)?;
            StatsRead::Ready(Some(Ok(stats)))
        };
        self.queued += 1;
        self.queued_images += batch.len();
        Ok(read)
    }

    /// Awaits `read`, the step after `self.step`, and checks its loss.
    async fn finish<R: Reporter>(
        &mut self,
        mut read: StatsRead,
        epoch: usize,
        reporter: &mut R,
    ) -> Result<StepStats, TrainError> {
        let raced = unless_stopped(&mut read, reporter.stop_requested()).await;
        let result = match raced {
            Some(result) => result,
            // Say so at once, but let the batch finish: the check before the next one ends
            // the run.
            None => {
                reporter.stopping();
                read.await
            }
        };
        let checked = result.map_err(TrainError::Read).and_then(|stats| self.check(stats, epoch));
        if checked.is_err() {
            // A read dropped unfinished leaves its staging buffer mapped, and wgpu then refuses
            // the next submit that copies into it: finish the one in flight.
            if let Some(next) = self.in_flight.take() {
                let _ = next.await;
            }
        }
        checked
    }

    fn check(&self, stats: StepStats, epoch: usize) -> Result<StepStats, TrainError> {
        if stats.loss.is_finite() && stats.loss <= DIVERGED_LOSS {
            return Ok(stats);
        }
        let batch = self.step % self.shape.batches_per_epoch.max(1) + 1;
        Err(TrainError::Diverged { loss: stats.loss, epoch: epoch + 1, batch, lr: self.settings.lr })
    }

    /// Counts a finished step, reports it, and checkpoints or pauses when it is time.
    async fn count<R: Reporter, C: Clock>(&mut self, stats: StepStats, epoch: usize, reporter: &mut R, clock: &C) {
        self.step += 1;
        self.images += stats.size;
        let now = clock.seconds();
        if self.step == WARM_UP {
            self.warm = Some((now, self.images));
        }
        let elapsed = now - self.started;
        let images_per_second = self.images as f64 / elapsed.max(1e-9);
        let remaining = (self.shape.batches.saturating_sub(self.step) * self.settings.batch_size) as f64;
        reporter.batch(&BatchReport {
            epoch: epoch + 1,
            step: self.step,
            batches: self.shape.batches,
            loss: stats.loss,
            accuracy: stats.correct as f32 / stats.size.max(1) as f32,
            images: self.images,
            elapsed,
            images_per_second,
            eta: remaining / images_per_second.max(1e-9),
        });
        let due = |every: f64| clock.seconds() - self.last_checkpoint >= every;
        if self.options.checkpoint_every.is_some_and(due) && self.queued < self.shape.batches {
            let model = self.trainer.inference_model();
            let (step, batches, images) = (self.queued, self.shape.batches, self.queued_images);
            reporter.checkpoint(Snapshot { model, step, batches, images }).await;
            self.last_checkpoint = clock.seconds();
        }
        if clock.seconds() - self.last_pause >= PAUSE_EVERY_SECONDS {
            reporter.pause().await;
            self.last_pause = clock.seconds();
        }
    }

    fn outcome(self, stopped: bool, now: f64) -> RunOutcome {
        let seconds = now - self.started;
        let images = self.images;
        let warm = self.warm.filter(|&(_, n)| images > n);
        RunOutcome {
            model: self.trainer.inference_model(),
            steps: self.step,
            images,
            stopped,
            seconds,
            images_per_second: images as f64 / seconds.max(1e-9),
            warm_images_per_second: warm.map(|(t, n)| (images - n) as f64 / (now - t).max(1e-9)),
            build_seconds: self.build_seconds,
        }
    }
}

/// `read`'s result, or `None` if `stop` resolves first; `read` is then left for the caller to
/// finish. A WebGPU batch on a slow adapter can take seconds, and Stop should not wait for it;
/// but the read must still complete before the device is used again (wgpu refuses a submit
/// while its staging buffer is mapped), so it is not dropped.
async fn unless_stopped(read: &mut StatsRead, stop: impl Future<Output = ()>) -> Option<Result<StepStats, String>> {
    let mut stop = std::pin::pin!(stop);
    std::future::poll_fn(|cx| {
        if let Poll::Ready(v) = Pin::new(&mut *read).poll(cx) {
            return Poll::Ready(Some(v));
        }
        if stop.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Poll::Pending
    })
    .await
}
