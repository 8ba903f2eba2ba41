//! Batched inference over a split: the head's answers and the penultimate features, in one
//! pass. Other workers may share it ([`InferenceHelpers`]): each round hands one batch to every
//! helper, computes one here meanwhile, and keeps the answers in the split's order, so the
//! result is the same however many take part. A helper that is lost costs time: its batch is
//! computed here.

use std::future::Future;
use std::ops::{ControlFlow, Range};

use burn::prelude::*;

use super::replicas::{ModelState, NoReplicas};
use super::{Trainer, batch_tensors};
use crate::batch::{Batch, sequential_batches};
use crate::dataset::{NUM_CLASSES, Split};
use crate::model::Model;

/// What one inference pass over a split yields: the head's predicted class per image and the
/// penultimate features (`len * feature_dim`, row-major) that the SVM is fitted on.
pub struct Inference {
    pub predictions: Vec<u8>,
    /// The head's softmax probability of each prediction.
    pub confidence: Vec<f32>,
    /// All ten probabilities of each image, row-major (the ROC curves rank by them).
    pub probabilities: Vec<f32>,
    pub features: Vec<f32>,
    pub feature_dim: usize,
}

impl Inference {
    fn with_capacity(count: usize, feature_dim: usize) -> Self {
        Self {
            predictions: Vec::with_capacity(count),
            confidence: Vec::with_capacity(count),
            probabilities: Vec::with_capacity(count * NUM_CLASSES),
            features: Vec::with_capacity(count * feature_dim),
            feature_dim,
        }
    }

    fn push(&mut self, output: BatchOutput) {
        for row in output.logits.chunks_exact(NUM_CLASSES) {
            let class = crate::svm::argmax(row);
            self.predictions.push(class as u8);
            let p = crate::explain::softmax(row);
            self.confidence.push(p[class]);
            self.probabilities.extend_from_slice(&p);
        }
        self.features.extend(output.features);
    }
}

/// One batch's raw answers, row-major: the head's logits and the penultimate features.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BatchOutput {
    pub logits: Vec<f32>,
    pub features: Vec<f32>,
}

/// Workers elsewhere that run the same model over batches of a pass.
pub trait InferenceHelpers {
    /// How many take a batch of the next round.
    fn helper_count(&self) -> usize;
    /// Gives every helper the model to run, before its first batch.
    fn load(&mut self, state: &ModelState);
    /// Hands batch `i` to helper `i`; [`InferenceHelpers::collect_outputs`] follows.
    fn send_batches(&mut self, batches: &[Batch]);
    /// The answers to the last `send_batches`, in its order; `None` for a batch whose helper
    /// was lost (it is no longer counted).
    fn collect_outputs(&mut self) -> impl Future<Output = Vec<Option<BatchOutput>>>;
}

impl InferenceHelpers for NoReplicas {
    fn helper_count(&self) -> usize {
        0
    }
    fn load(&mut self, _: &ModelState) {}
    fn send_batches(&mut self, _: &[Batch]) {}
    async fn collect_outputs(&mut self) -> Vec<Option<BatchOutput>> {
        Vec::new()
    }
}

/// A helper's replica takes `state`; its inference copy is what runs the batches.
pub fn load_replica(trainer: &mut Trainer, state: &ModelState) -> Result<Model, String> {
    trainer.set_parameters(&state.parameters).map_err(|e| e.to_string())?;
    trainer.set_running_stats(&state.stats).map_err(|e| e.to_string())?;
    Ok(trainer.inference_model())
}

/// `model`'s answers to `batch`.
pub async fn batch_output(model: &Model, batch: &Batch, device: &Device) -> Result<BatchOutput, String> {
    let (images, _) = batch_tensors(batch, device);
    let feats = model.features(images);
    // The logits, not an argmax on the device: the same one read gives the confidence too.
    let logits = model.head(feats.clone());
    let logits = logits.into_data_async().await.map_err(|e| format!("reading predictions: {e:?}"))?;
    let feats = feats.into_data_async().await.map_err(|e| format!("reading features: {e:?}"))?;
    Ok(BatchOutput {
        logits: logits.convert::<f32>().try_to_vec::<f32>().map_err(|e| format!("predictions: {e:?}"))?,
        features: feats.convert::<f32>().try_to_vec::<f32>().map_err(|e| format!("features: {e:?}"))?,
    })
}

/// Runs `model` over the first `count` images of `split` in order, keeping both the head's
/// answers and the features, so the test set is only pushed through the CNN once. `on_batch`
/// is called after each batch with the number done so far; it may yield, and may break off
/// the pass (Stop), in which case the images done so far are returned.
pub async fn infer_split<F, Fut>(
    model: &Model,
    split: &Split,
    count: usize,
    device: &Device,
    batch_size: usize,
    on_batch: F,
) -> Result<Inference, String>
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = ControlFlow<()>>,
{
    infer_shared(model, split, count, device, batch_size, &mut NoReplicas, on_batch).await
}

/// [`infer_split`] shared with `helpers`: `on_batch` is called after each round (one batch
/// per worker).
pub async fn infer_shared<F, Fut>(
    model: &Model,
    split: &Split,
    count: usize,
    device: &Device,
    batch_size: usize,
    helpers: &mut impl InferenceHelpers,
    mut on_batch: F,
) -> Result<Inference, String>
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = ControlFlow<()>>,
{
    let count = count.min(split.len());
    let mut out = Inference::with_capacity(count, model.arch().feature_dim());
    if helpers.helper_count() > 0 {
        helpers.load(&ModelState::of_inference_model(model, device).await?);
    }
    let ranges: Vec<Range<usize>> = sequential_batches(count, batch_size).collect();
    let mut next = 0;
    while next < ranges.len() {
        let round = &ranges[next..ranges.len().min(next + helpers.helper_count() + 1)];
        next += round.len();
        let gather =
            |r: &Range<usize>| Batch::gather(split, &r.clone().collect::<Vec<_>>(), None::<&mut rand::rngs::SmallRng>);
        let batches: Vec<Batch> = round.iter().map(gather).collect();
        helpers.send_batches(&batches[1..]);
        out.push(batch_output(model, &batches[0], device).await?);
        let mut answers = helpers.collect_outputs().await.into_iter();
        for batch in &batches[1..] {
            out.push(match answers.next().flatten() {
                Some(o) => o,
                None => batch_output(model, batch, device).await?,
            });
        }
        if on_batch(round[round.len() - 1].end).await.is_break() {
            break;
        }
    }
    Ok(out)
}
