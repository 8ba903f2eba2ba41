//! A data-parallel step: the batch is cut into shards, one for this trainer and one for each
//! replica elsewhere (other Web Workers in the browser, in-process ones in the tests). Every
//! replica first takes this trainer's parameters and running statistics, so only this trainer
//! keeps an optimizer: it averages the shards' gradients and statistics
//! ([`super::parallel`]) and applies the one update, which makes the step one step of the
//! whole batch. A replica that is lost mid-step costs time, not the step: its shard is computed
//! here instead.

use std::future::Future;
use std::ops::Range;

use super::parallel::{flatten_gradients, parameters, running_stats, shard_sizes, weighted_mean};
use super::{StepStats, Trainer};
use crate::batch::Batch;
use crate::model::Model;
use crate::svm::Run;
use crate::svm::shared::SvmHelpers;
use burn::prelude::Device;

/// What a replica needs of the model before it computes a shard.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ModelState {
    pub parameters: Vec<f32>,
    /// Batch norm's running statistics (empty without batch norm).
    pub stats: Vec<f32>,
}

impl ModelState {
    pub async fn of(trainer: &Trainer) -> Result<Self, String> {
        let model = trainer.model();
        let parameters = parameters(model).await.map_err(|e| e.to_string())?;
        let stats = running_stats(model).await.map_err(|e| e.to_string())?;
        Ok(Self { parameters, stats })
    }

    /// The state of an inference model, read through a training copy: without gradients its
    /// parameters cannot be told from its buffers.
    pub async fn of_inference_model(model: &Model, device: &Device) -> Result<Self, String> {
        Self::of(&Trainer::from_model(model.clone(), device, 0.0)).await
    }
}

/// One shard's part of a step.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ShardResult {
    pub loss: f32,
    pub correct: usize,
    pub size: usize,
    pub gradients: Vec<f32>,
    /// The running statistics after this shard's forward pass.
    pub stats: Vec<f32>,
}

/// The replicas a trainer shares its steps with.
pub trait Replicas {
    /// How many replicas take a shard of the next step (0: the trainer steps alone).
    fn count(&self) -> usize;
    /// Hands shard `i` to replica `i` with the model's state, before this trainer starts on
    /// its own shard; [`Replicas::collect`] follows.
    fn send(&mut self, state: &ModelState, shards: &[Batch]);
    /// The results of the last `send`, in its order; `None` for a shard whose replica was
    /// lost (it is no longer counted).
    fn collect(&mut self) -> impl Future<Output = Vec<Option<ShardResult>>>;
}

/// A trainer on its own.
pub struct NoReplicas;

impl Replicas for NoReplicas {
    fn count(&self) -> usize {
        0
    }
    fn send(&mut self, _: &ModelState, _: &[Batch]) {}
    async fn collect(&mut self) -> Vec<Option<ShardResult>> {
        Vec::new()
    }
}

/// Forward and backward on `shard` with the trainer's model as it is; no update.
pub async fn shard_result(trainer: &mut Trainer, shard: &Batch) -> Result<ShardResult, String> {
    let (pending, grads) = trainer.gradients(shard);
    let stats = pending.read().await?;
    let gradients = flatten_gradients(trainer.model(), &grads).await.map_err(|e| e.to_string())?;
    let running = running_stats(trainer.model()).await.map_err(|e| e.to_string())?;
    Ok(ShardResult { loss: stats.loss, correct: stats.correct, size: stats.size, gradients, stats: running })
}

/// A replica's work: take `state`, then compute `shard`.
pub async fn replica_step(trainer: &mut Trainer, state: &ModelState, shard: &Batch) -> Result<ShardResult, String> {
    trainer.set_parameters(&state.parameters).map_err(|e| e.to_string())?;
    trainer.set_running_stats(&state.stats).map_err(|e| e.to_string())?;
    shard_result(trainer, shard).await
}

/// One optimizer step of `trainer` on `batch`, shared with `replicas`. The stats are the whole
/// batch's, as [`Trainer::step`] gives them.
pub async fn step(trainer: &mut Trainer, replicas: &mut impl Replicas, batch: &Batch) -> Result<StepStats, String> {
    let sizes = shard_sizes(batch.len(), replicas.count() + 1);
    let shards = batch.split(&sizes);
    let state = ModelState::of(trainer).await?;
    replicas.send(&state, &shards[1..]);
    let mut results = vec![shard_result(trainer, &shards[0]).await?];
    for (shard, result) in shards[1..].iter().zip(replicas.collect().await) {
        let result = match result {
            Some(r) => r,
            None => {
                // The own shard's forward pass moved the statistics: start from the step's.
                trainer.set_running_stats(&state.stats).map_err(|e| e.to_string())?;
                shard_result(trainer, shard).await?
            }
        };
        results.push(result);
    }
    let weighted = |part: fn(&ShardResult) -> &[f32]| {
        weighted_mean(&results.iter().map(|r| (r.size, part(r))).collect::<Vec<_>>())
    };
    trainer.apply_flat(&weighted(|r| &r.gradients)).map_err(|e| e.to_string())?;
    trainer.set_running_stats(&weighted(|r| &r.stats)).map_err(|e| e.to_string())?;
    let size: usize = results.iter().map(|r| r.size).sum();
    let loss = results.iter().map(|r| r.loss * r.size as f32).sum::<f32>() / size.max(1) as f32;
    Ok(StepStats { loss, correct: results.iter().map(|r| r.correct).sum(), size })
}

impl SvmHelpers for NoReplicas {
    fn svm_helper_count(&self) -> usize {
        0
    }
    fn send_run(&mut self, _: Run, _: &[Range<usize>]) {}
    async fn collect_weights(&mut self) -> Vec<Option<Vec<f32>>> {
        Vec::new()
    }
    fn unload_fit(&mut self) {}
}
