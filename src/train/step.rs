//! The training step (forward, cross-entropy, backward, Adam).
//!
//! Every read of a result goes through `into_data_async`: WebGPU in a browser can only be read
//! asynchronously, and on the CPU the future is ready at once, so one code path serves both.

use burn::module::Module;
use burn::nn::loss::{CrossEntropyLoss, CrossEntropyLossConfig};
use burn::optim::{AdamConfig, AdamWConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use crate::batch::Batch;
use crate::dataset::IMAGE_SIDE;
use crate::model::{Arch, Model};

/// Turns a batch into the model's input `[n, 1, 28, 28]` and its targets `[n]`.
pub fn batch_tensors(batch: &Batch, device: &Device) -> (Tensor<4>, Tensor<1, Int>) {
    let n = batch.len();
    let images = Tensor::<4>::from_data(TensorData::new(batch.pixels.clone(), [n, 1, IMAGE_SIDE, IMAGE_SIDE]), device);
    let labels = Tensor::<1, Int>::from_data(TensorData::new(batch.labels.clone(), [n]), device);
    (images, labels)
}

/// Mean loss and number of correct answers over one training batch.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepStats {
    pub loss: f32,
    pub correct: usize,
    pub size: usize,
}

/// Pending result of a step: a two-element tensor `[loss, correct]`, read back in one go so a
/// GPU step costs one round trip rather than two.
pub struct PendingStats {
    stats: Tensor<1>,
    size: usize,
}

/// A step's results being read back (see [`PendingStats::begin_read`]); await it for them.
pub enum StatsRead {
    /// Read already (the CPU): kept inline, so a CPU step allocates nothing to carry it.
    Ready(Option<Result<StepStats, String>>),
    Reading(Pin<Box<dyn Future<Output = Result<StepStats, String>>>>),
}

impl Future for StatsRead {
    type Output = Result<StepStats, String>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            StatsRead::Ready(stats) => Poll::Ready(stats.take().expect("a step's results are read once")),
            StatsRead::Reading(read) => read.as_mut().poll(cx),
        }
    }
}

impl PendingStats {
    /// Starts the read now (on WebGPU: queues the copy of the results and asks for them), so
    /// that the next step can be queued behind it and the GPU works through that step while the
    /// caller waits for this one's numbers and builds the one after: one step in flight instead
    /// of a GPU idle while each step is built. On the CPU the result is ready at once.
    pub fn begin_read(self) -> StatsRead {
        let mut read: Pin<Box<dyn Future<Output = _>>> = Box::pin(self.read());
        // A future's work up to its first wait happens on its first poll; nothing needs waking
        // here, as the caller polls again when it awaits the read.
        match read.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            // A finished async fn must not be polled again: keep its value instead.
            Poll::Ready(stats) => StatsRead::Ready(Some(stats)),
            Poll::Pending => StatsRead::Reading(read),
        }
    }

    pub async fn read(self) -> Result<StepStats, String> {
        let data = self.stats.into_data_async().await.map_err(|e| format!("reading step results: {e:?}"))?;
        let values = data.try_to_vec::<f32>().map_err(|e| format!("step results: {e:?}"))?;
        Ok(StepStats { loss: values[0], correct: values[1].round() as usize, size: self.size })
    }
}

/// The learning rate for step `step` (0-based) of `total`: a linear climb from zero over the
/// first `warmup` share of the steps (so the first updates, made while batch norm's statistics
/// and Adam's moment estimates are still settling, are small), then `base` decayed along a half
/// cosine to zero at the end when `decay` is set, so the last steps settle into a minimum
/// instead of bouncing around it at full step size.
pub fn learning_rate(base: f64, decay: bool, warmup: f64, step: usize, total: usize) -> f64 {
    if total == 0 {
        return base;
    }
    let step = step.min(total) as f64;
    let total = total as f64;
    let warm = (warmup.clamp(0.0, 1.0) * total).floor();
    if step < warm {
        return base * (step + 1.0) / warm;
    }
    if !decay {
        return base;
    }
    let progress = (step - warm) / (total - warm).max(1.0);
    base * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos())
}

/// A model with its optimizer state, on an autodiff device.
pub struct Trainer {
    // Taken out and put back around each optimizer step, which consumes the module.
    model: Option<Model>,
    optim: ModuleOptimizer,
    device: Device,
    loss: CrossEntropyLoss,
    pub lr: f64,
}

impl Trainer {
    /// A freshly initialised `arch` on `device` (autodiff is enabled here), seeded for
    /// reproducible weights.
    pub fn new(arch: Arch, device: &Device, lr: f64, seed: u64) -> Self {
        let device = device.clone().autodiff();
        device.seed(seed);
        Self::from_model(arch.init(&device), &device, lr)
    }

    /// Continues training an existing model (for example one loaded from a file, or an
    /// inference copy): `train()` turns gradients and training-mode layers back on.
    pub fn from_model(model: Model, device: &Device, lr: f64) -> Self {
        let device = device.clone().autodiff();
        let model = model.to_device(&device).train();
        Self {
            model: Some(model),
            // Keras' epsilon: Burn's default 1e-5 is a little more conservative than the
            // reference we compare against.
            optim: AdamConfig::new().with_epsilon(1e-7).init(),
            loss: CrossEntropyLoss::new(None, &device),
            device,
            lr,
        }
    }

    /// Label smoothing of the loss's targets and decoupled weight decay (AdamW), both off
    /// when zero. Smoothing keeps the penultimate features from collapsing onto the training
    /// labels, which leaves the SVM fitted on them something to add; weight decay made the
    /// default run's result the same across seeds (README "CNN + SVM").
    pub fn with_regularization(mut self, smoothing: f32, weight_decay: f32) -> Self {
        if smoothing > 0.0 {
            self.loss = CrossEntropyLossConfig::new().with_smoothing(Some(smoothing)).init(&self.device);
        }
        if weight_decay > 0.0 {
            self.optim = AdamWConfig::new().with_epsilon(1e-7).with_weight_decay(weight_decay).init();
        }
        self
    }

    pub fn device(&self) -> &Device {
        &self.device
    }

    pub fn model(&self) -> &Model {
        self.model.as_ref().expect("model is present between steps")
    }

    /// The model for inference: no autodiff graph, dropout off, batch norm on running stats.
    pub fn inference_model(&self) -> Model {
        self.model().valid()
    }

    /// One optimizer step on `batch`. The returned stats are computed on the forward pass
    /// before the update, as Keras reports them.
    pub fn step(&mut self, batch: &Batch) -> PendingStats {
        self.step_marked(batch, |_| {})
    }

    /// [`Trainer::step`], calling `mark` after each phase (`upload`, `forward`, `backward`,
    /// `optimizer`) so a profiler can time them; on an eager CPU backend each phase's work is
    /// done when its mark is called.
    pub fn step_marked(&mut self, batch: &Batch, mut mark: impl FnMut(&'static str)) -> PendingStats {
        let (stats, grads) = self.gradients_marked(batch, &mut mark);
        self.apply(grads);
        mark("optimizer");
        stats
    }

    /// The forward and backward passes of a step on `batch`, without the update: one shard's
    /// part of a data-parallel step ([`super::parallel`]).
    pub fn gradients(&mut self, batch: &Batch) -> (PendingStats, GradientsParams) {
        self.gradients_marked(batch, &mut |_| {})
    }

    fn gradients_marked(
        &mut self,
        batch: &Batch,
        mark: &mut impl FnMut(&'static str),
    ) -> (PendingStats, GradientsParams) {
        let model = self.model();
        let (images, labels) = batch_tensors(batch, &self.device);
        mark("upload");
        let logits = model.forward(images);
        let loss = self.loss.forward(logits.clone(), labels.clone());
        let correct = logits.detach().argmax(1).squeeze_dim::<1>(1).equal(labels).float().sum();
        let stats = Tensor::cat(vec![loss.clone().detach(), correct], 0);
        mark("forward");
        let grads = GradientsParams::from_grads(loss.backward(), model);
        mark("backward");
        (PendingStats { stats, size: batch.len() }, grads)
    }

    /// The optimizer's update with `grads`, at the current learning rate.
    pub fn apply(&mut self, grads: GradientsParams) {
        let model = self.model.take().expect("model is present between steps");
        self.model = Some(self.optim.step(self.lr, model, grads));
    }

    /// Changes the model in place (a data-parallel replica takes the averaged batch-norm
    /// statistics).
    pub fn map_model(&mut self, f: impl FnOnce(Model) -> Model) {
        let model = self.model.take().expect("model is present between steps");
        self.model = Some(f(model));
    }
}
