//! Data-parallel training's arithmetic, for replicas of one model in several workers: each
//! computes the gradients of its shard of the batch ([`Trainer::gradients`]), the gradients are
//! flattened into one `Vec<f32>` (a typed array to move between workers), averaged weighted by
//! shard size, and every replica applies the same average, so a step is one step of the whole
//! batch. Flattening follows the model's parameter order, not its parameter ids: a replica
//! built from the same weights in another worker has ids of its own.
//!
//! Batch norm: each shard normalises with its own batch's statistics, as data-parallel
//! frameworks do without synchronised batch norm; the running statistics (what inference uses)
//! are averaged across replicas after each step, weighted like the gradients
//! ([`running_stats`], [`Trainer::set_running_stats`]). Replicas must not be clones of one
//! module in one thread: Burn's running statistics live behind an `Arc` that clones share (and
//! `valid()` copies share too).

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::prelude::*;

use super::Trainer;
use crate::model::Model;

/// Why flat numbers could not be put back into a model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FlatError {
    /// The numbers are not of this model's size: a replica of another architecture.
    Length { expected: usize, got: usize },
    /// Reading the tensors back failed.
    Read(String),
}

impl std::fmt::Display for FlatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FlatError::Length { expected, got } => {
                write!(f, "a data-parallel worker sent {got} numbers where the model has {expected}")
            }
            FlatError::Read(e) => write!(f, "reading the gradients back failed: {e}"),
        }
    }
}

impl std::error::Error for FlatError {}

/// Which of a model's float tensors a visit takes: the trained parameters (those with
/// gradients) or the buffers beside them (batch norm's running statistics).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Trained,
    Buffer,
}

fn is_kind<const D: usize>(param: &Param<Tensor<D>>, kind: Kind) -> bool {
    param.is_require_grad() == (kind == Kind::Trained)
}

/// `flat` must hold exactly the model's floats of `kind`.
fn check_len(model: &Model, kind: Kind, flat: &[f32]) -> Result<(), FlatError> {
    let expected = count(model, kind);
    if flat.len() == expected { Ok(()) } else { Err(FlatError::Length { expected, got: flat.len() }) }
}

/// The next `shape`'s worth of `flat` from `*at`, as a tensor on `device`.
fn next_tensor<const D: usize>(flat: &[f32], at: &mut usize, shape: burn::tensor::Shape, device: &Device) -> Tensor<D> {
    let n = shape.num_elements();
    let values = flat[*at..*at + n].to_vec();
    *at += n;
    Tensor::from_data(TensorData::new(values, shape), device)
}

/// The number of floats [`flatten_gradients`] gives for `model`.
pub fn gradient_len(model: &Model) -> usize {
    count(model, Kind::Trained)
}

fn count(model: &Model, kind: Kind) -> usize {
    struct Count(usize, Kind);
    impl ModuleVisitor for Count {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if is_kind(param, self.1) {
                self.0 += param.shape().num_elements();
            }
        }
    }
    let mut c = Count(0, kind);
    model.visit(&mut c);
    c.0
}

/// The tensors of one kind, each flattened, in the model's order (`grads`: their gradients
/// instead, zeros where a parameter has none).
fn gather(model: &Model, kind: Kind, grads: Option<&GradientsParams>) -> Vec<Tensor<1>> {
    struct Gather<'a> {
        kind: Kind,
        grads: Option<&'a GradientsParams>,
        parts: Vec<Tensor<1>>,
    }
    impl ModuleVisitor for Gather<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if !is_kind(param, self.kind) {
                return;
            }
            let tensor = match self.grads {
                None => param.val().detach(),
                Some(grads) => grads
                    .get::<D>(param.id)
                    .unwrap_or_else(|| Tensor::zeros(param.shape(), &param.val().device().inner())),
            };
            self.parts.push(tensor.flatten::<1>(0, D - 1));
        }
    }
    let mut g = Gather { kind, grads, parts: Vec::new() };
    model.visit(&mut g);
    g.parts
}

async fn read(parts: Vec<Tensor<1>>) -> Result<Vec<f32>, FlatError> {
    if parts.is_empty() {
        return Ok(Vec::new());
    }
    let data = Tensor::cat(parts, 0).into_data_async().await.map_err(|e| FlatError::Read(format!("{e:?}")))?;
    data.convert::<f32>().try_into_vec::<f32>().map_err(|e| FlatError::Read(format!("{e:?}")))
}

/// A shard's gradients as one vector, in `model`'s parameter order; one read-back.
pub async fn flatten_gradients(model: &Model, grads: &GradientsParams) -> Result<Vec<f32>, FlatError> {
    read(gather(model, Kind::Trained, Some(grads))).await
}

/// Gradients for `model` from a flat vector in its parameter order.
pub fn unflatten_gradients(model: &Model, flat: &[f32]) -> Result<GradientsParams, FlatError> {
    struct Split<'a> {
        flat: &'a [f32],
        at: usize,
        out: GradientsParams,
    }
    impl ModuleVisitor for Split<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if !is_kind(param, Kind::Trained) {
                return;
            }
            let grad = next_tensor(self.flat, &mut self.at, param.shape(), &param.val().device().inner());
            self.out.register::<D>(param.id, grad);
        }
    }
    check_len(model, Kind::Trained, flat)?;
    let mut split = Split { flat, at: 0, out: GradientsParams::new() };
    model.visit(&mut split);
    Ok(split.out)
}

/// The model's running statistics (batch norm's means and variances) as one vector; empty for
/// a model without batch norm.
pub async fn running_stats(model: &Model) -> Result<Vec<f32>, FlatError> {
    settle_running_stats(model);
    read(gather(model, Kind::Buffer, None)).await
}

/// Burn keeps a forward pass's update of a running statistic pending (per thread, for its own
/// multi-threaded data parallelism) until the next pass or `valid()`, and a visit reads the
/// value from before it. So it is folded in first: by `valid()`, whose copy shares the
/// statistics' storage. Without this a replica read stale statistics, and one that had been
/// given averaged ones overwrote them with its pending update on its next pass.
fn settle_running_stats(model: &Model) {
    drop(model.valid());
}

/// The model's trained parameters as one vector, in its parameter order: what a replica in
/// another worker takes before computing its shard ([`Trainer::set_parameters`]).
pub async fn parameters(model: &Model) -> Result<Vec<f32>, FlatError> {
    read(gather(model, Kind::Trained, None)).await
}

/// `model` with its floats of `kind` replaced by `flat`, which is of their length. Trained
/// parameters keep requiring gradients.
fn put(model: Model, kind: Kind, flat: &[f32]) -> Model {
    struct Set<'a> {
        flat: &'a [f32],
        at: usize,
        kind: Kind,
    }
    impl ModuleMapper for Set<'_> {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            if !is_kind(&param, self.kind) {
                return param;
            }
            let tensor = next_tensor(self.flat, &mut self.at, param.shape(), &param.val().device());
            param.map(|old| tensor.set_require_grad(old.is_require_grad()))
        }
    }
    model.map(&mut Set { flat, at: 0, kind })
}

/// The average of the shards' vectors, each weighted by its share of the batch (`sizes`), so
/// that it equals the gradient of the whole batch's mean loss. All vectors have one length.
pub fn weighted_mean(shards: &[(usize, &[f32])]) -> Vec<f32> {
    let total: usize = shards.iter().map(|(n, _)| n).sum();
    let len = shards.first().map_or(0, |(_, v)| v.len());
    let mut out = vec![0.0f32; len];
    for (n, values) in shards {
        let w = *n as f32 / total.max(1) as f32;
        for (o, v) in out.iter_mut().zip(values.iter()) {
            *o += w * v;
        }
    }
    out
}

/// The shards of a batch of `batch` images for `workers` replicas: as equal as can be, the
/// first ones one larger; a shard is never empty (fewer shards for a tiny batch).
pub fn shard_sizes(batch: usize, workers: usize) -> Vec<usize> {
    let n = workers.clamp(1, batch.max(1));
    (0..n).map(|i| batch / n + usize::from(i < batch % n)).collect()
}

impl Trainer {
    /// Applies the averaged gradients of a data-parallel step (from [`weighted_mean`]).
    pub fn apply_flat(&mut self, flat: &[f32]) -> Result<(), FlatError> {
        let grads = unflatten_gradients(self.model(), flat)?;
        self.apply(grads);
        Ok(())
    }

    /// Takes the running statistics all replicas agreed on (from [`running_stats`]).
    pub fn set_running_stats(&mut self, flat: &[f32]) -> Result<(), FlatError> {
        check_len(self.model(), Kind::Buffer, flat)?;
        settle_running_stats(self.model());
        self.map_model(|model| put(model, Kind::Buffer, flat));
        Ok(())
    }

    /// Takes another replica's parameters (from [`parameters`]); its optimizer state is left
    /// alone, as a replica that only computes gradients never steps.
    pub fn set_parameters(&mut self, flat: &[f32]) -> Result<(), FlatError> {
        check_len(self.model(), Kind::Trained, flat)?;
        self.map_model(|model| put(model, Kind::Trained, flat));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_the_batch_as_evenly_as_can_be() {
        assert_eq!(shard_sizes(64, 2), [32, 32]);
        assert_eq!(shard_sizes(65, 4), [17, 16, 16, 16]);
        assert_eq!(shard_sizes(3, 8), [1, 1, 1]);
        assert_eq!(shard_sizes(10, 0), [10]);
    }

    #[test]
    fn the_mean_is_weighted_by_shard_size() {
        let a = [1.0, 2.0];
        let b = [4.0, -1.0];
        assert_eq!(weighted_mean(&[(1, &a), (3, &b)]), [3.25, -0.25]);
    }
}
