//! The model and training step on the real data, on Burn's flex CPU backend.
#![cfg(not(target_arch = "wasm32"))]
mod common;

use burn::module::Module;
use burn::prelude::*;
use fashion_cnn::batch::{Batch, epoch_batches};
use fashion_cnn::metrics::accuracy;
use fashion_cnn::model::{Arch, Model};
use fashion_cnn::svm::{FeatureMap, Fit, SvmOptions};
use fashion_cnn::train::inference::{BatchOutput, InferenceHelpers, batch_output, load_replica};
use fashion_cnn::train::replicas::{self, ModelState, Replicas, ShardResult, replica_step};
use fashion_cnn::train::{StatsRead, Trainer, batch_tensors, infer_shared, infer_split};
use rand::SeedableRng;
use rand::rngs::SmallRng;
use std::ops::ControlFlow;

#[test]
fn architectures_have_the_contract_parameter_counts() {
    let device = Device::flex();
    assert_eq!(Arch::OneConv.init(&device).num_params(), 693_962);
    assert_eq!(Arch::ThreeConv.init(&device).num_params(), 93_322);
    // The page's model summary (no Burn there) says what Burn builds, layer sums and all.
    for arch in Arch::ALL {
        assert_eq!(arch.init(&device).num_params(), fashion_cnn::summary::total_params(arch), "{arch}");
    }
}

#[test]
fn features_and_logits_have_the_right_shapes() {
    let device = Device::flex();
    let split = &common::dataset().test;
    let batch = Batch::gather(split, &[0, 1, 2], None::<&mut SmallRng>);
    for arch in Arch::ALL {
        let model = arch.init(&device);
        let (x, _) = batch_tensors(&batch, &device);
        let f = model.features(x.clone());
        assert_eq!(f.dims(), [3, arch.feature_dim()], "{arch}");
        let min: f32 = f.clone().min().into_scalar();
        assert!(min >= 0.0, "features are taken after the ReLU");
        assert_eq!(model.forward(x).dims(), [3, 10]);
    }
}

/// Trains each architecture for a few hundred real images and checks the loss falls well below
/// its starting value (ln 10 ≈ 2.30 for an untrained 10-class model).
#[test]
fn training_steps_lower_the_loss_on_real_data() {
    let split = &common::dataset().train;
    for arch in [Arch::ThreeConv, Arch::BnCnn] {
        let mut trainer = Trainer::new(arch, &Device::flex(), 2e-3, 1);
        let mut rng = SmallRng::seed_from_u64(3);
        let batches = epoch_batches(2048, 64, &mut rng);
        let mut losses = Vec::new();
        for idx in &batches {
            let b = Batch::gather(split, idx, None::<&mut SmallRng>);
            losses.push(pollster::block_on(trainer.step(&b).read()).unwrap().loss);
        }
        let first = losses[..3].iter().sum::<f32>() / 3.0;
        let last = losses[losses.len() - 5..].iter().sum::<f32>() / 5.0;
        assert!(first > 1.5, "{arch}: untrained loss {first}");
        assert!(last < 0.7 * first && last < 1.2, "{arch}: loss {first} -> {last}");
    }
}

/// A short run on real data, then the whole pipeline after it: the CNN head on test images, and
/// the RBF SVM (with its λ search) fitted on the CNN's features of the training images.
#[test]
fn short_training_then_cnn_and_svm_predict_far_above_chance() {
    let data = common::dataset();
    let device = Device::flex();
    let mut trainer = Trainer::new(Arch::ThreeConv, &device, 2e-3, 5);
    let mut rng = SmallRng::seed_from_u64(9);
    for idx in epoch_batches(4000, 64, &mut rng) {
        pollster::block_on(trainer.step(&Batch::gather(&data.train, &idx, Some(&mut rng))).read()).unwrap();
    }
    let model = trainer.inference_model();
    let infer = |split, n| {
        pollster::block_on(infer_split(&model, split, n, &device, 250, |_| async { ControlFlow::Continue(()) }))
            .unwrap()
    };
    let test = infer(&data.test, 1000);
    let labels = &data.test.labels[..1000];
    assert_eq!((test.predictions.len(), test.features.len()), (1000, 1000 * Arch::ThreeConv.feature_dim()));
    let cnn = accuracy(&test.predictions, labels);
    assert!(cnn > 0.6, "CNN accuracy {cnn} after 4,000 images");

    let train = infer(&data.train, 4000);
    let options = SvmOptions::default();
    let map = FeatureMap::fit(options.kernel, &train.features, train.feature_dim, 1);
    let rows = map.apply_all(&train.features, |_| {});
    let mut fit = Fit::new(&rows, &data.train.labels[..4000], options.clone());
    while !fit.step(1000) {}
    assert_eq!(fit.scores().len(), options.grid.len(), "every λ of the grid is scored");
    let (svm, _) = fit.finish();
    let svm_acc = accuracy(&svm.predict_rows(&map.apply_all(&test.features, |_| {})), labels);
    assert!(svm_acc > 0.6 && svm_acc > cnn - 0.05, "SVM {svm_acc} vs CNN {cnn}");
}

#[test]
fn learning_rate_anneals_along_a_half_cosine() {
    use fashion_cnn::train::learning_rate;
    assert_eq!(learning_rate(1e-3, true, 0.0, 0, 100), 1e-3);
    assert!((learning_rate(1e-3, true, 0.0, 50, 100) - 5e-4).abs() < 1e-12);
    assert!(learning_rate(1e-3, true, 0.0, 100, 100).abs() < 1e-12);
    assert!(learning_rate(1e-3, true, 0.0, 90, 100) < learning_rate(1e-3, true, 0.0, 80, 100));
    assert_eq!(learning_rate(1e-3, false, 0.0, 70, 100), 1e-3);
}

#[test]
fn learning_rate_warms_up_linearly_then_anneals() {
    use fashion_cnn::train::learning_rate;
    // 10 of 100 steps of warm-up: 1/10, 2/10, ... of the rate, the full rate at step 10.
    assert!((learning_rate(1e-3, true, 0.1, 0, 100) - 1e-4).abs() < 1e-12);
    assert!((learning_rate(1e-3, true, 0.1, 4, 100) - 5e-4).abs() < 1e-12);
    assert!((learning_rate(1e-3, true, 0.1, 9, 100) - 1e-3).abs() < 1e-12);
    assert_eq!(learning_rate(1e-3, true, 0.1, 10, 100), 1e-3);
    // The cosine then runs over the remaining 90 steps: halfway at step 55, zero at the end.
    assert!((learning_rate(1e-3, true, 0.1, 55, 100) - 5e-4).abs() < 1e-12);
    assert!(learning_rate(1e-3, true, 0.1, 100, 100).abs() < 1e-12);
    assert_eq!(learning_rate(1e-3, false, 0.1, 50, 100), 1e-3);
}

/// Label smoothing and weight decay change what a step does: the same seed and batches give
/// a different model, and smoothing keeps the loss off zero on a batch it has learned.
#[test]
fn smoothing_and_weight_decay_change_training() {
    let split = &common::dataset().train;
    let mut rng = SmallRng::seed_from_u64(4);
    let batches = epoch_batches(640, 32, &mut rng);
    let run = |smoothing: f32, wd: f32| {
        let mut trainer = Trainer::new(Arch::BnCnn, &Device::flex(), 2e-3, 1).with_regularization(smoothing, wd);
        let mut last = 0.0;
        for idx in batches.iter().chain(std::iter::repeat_n(&batches[0], 40)) {
            last = pollster::block_on(trainer.step(&Batch::gather(split, idx, None::<&mut SmallRng>)).read())
                .unwrap()
                .loss;
        }
        (
            last,
            fashion_cnn::model_file::flat_parameters(&trainer.inference_model())
                .into_data()
                .try_to_vec::<f32>()
                .unwrap(),
        )
    };
    let (plain_loss, plain) = run(0.0, 0.0);
    let (smooth_loss, smooth) = run(0.1, 0.0);
    // Decay strong enough that its shrinking (AdamW: a factor 1 - lr·wd per step, 11% of the
    // squared norm over these 60 steps) stands well above the run-to-run noise of the CPU
    // backend's parallel sums (0.2% of it was seen between two runs at wd=0.05, which shrinks
    // it by only 1.2%, and once came out the other way).
    let (_, decayed) = run(0.0, 0.5);
    // 40 more steps on one batch of 32 fit it: the plain loss goes near zero, while with
    // smoothing the best it can do is the entropy of the smoothed targets (about 0.5).
    assert!(plain_loss < 0.1, "plain loss {plain_loss}");
    assert!(smooth_loss > 0.3, "smoothed loss {smooth_loss}");
    assert_ne!(plain, smooth);
    let norm = |w: &[f32]| w.iter().map(|x| x * x).sum::<f32>();
    assert!(norm(&decayed) < norm(&plain), "weight decay shrinks the weights: {} vs {}", norm(&decayed), norm(&plain));
}

/// The page keeps one step in flight (`begin_read`); on the CPU there is nothing to overlap,
/// and a step's results must be there as soon as the step returns, equal to a plain read's.
#[test]
fn on_the_cpu_a_begun_read_is_ready_at_once() {
    let device = Device::flex();
    let split = &common::dataset().test;
    let batch = Batch::gather(split, &(0..32).collect::<Vec<_>>(), None::<&mut SmallRng>);
    // The same weights for both (a copy, not a second seeded init: other tests running at the
    // same time draw from the device's generator too).
    let mut begun = Trainer::new(Arch::ThreeConv, &device, 1e-3, 9);
    let mut plain = Trainer::from_model(begun.inference_model(), &device, 1e-3);
    let ready: Vec<_> = (0..2)
        .map(|_| match begun.step(&batch).begin_read() {
            StatsRead::Ready(Some(stats)) => stats.unwrap(),
            _ => panic!("a CPU step's results are not ready when the step returns"),
        })
        .collect();
    let read: Vec<_> = (0..2).map(|_| pollster::block_on(plain.step(&batch).read()).unwrap()).collect();
    assert_eq!(ready, read);
    assert!(ready[1].loss < ready[0].loss, "the second step, on the same batch, has a lower loss: {ready:?}");
}

fn test_logits(trainer: &Trainer, split: &fashion_cnn::dataset::Split) -> Vec<f32> {
    let batch = Batch::gather(split, &(0..32).collect::<Vec<_>>(), None::<&mut SmallRng>);
    let (x, _) = batch_tensors(&batch, trainer.device());
    trainer.inference_model().forward(x.inner()).into_data().try_to_vec::<f32>().unwrap()
}

fn max_difference(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

/// Replicas in this thread for [`replicas::step`], as workers would be: each its own model
/// (not a clone: clones share batch norm's running statistics), taking the state it is sent.
/// `lose` drops the replica at that index on the step of that number (1-based).
struct Local {
    trainers: Vec<Trainer>,
    sent: Vec<(ModelState, Batch)>,
    step: usize,
    lose: Option<(usize, usize)>,
}

impl Local {
    fn new(arch: Arch, n: usize) -> Self {
        let trainers = (0..n).map(|i| Trainer::new(arch, &Device::flex(), 2e-3, 100 + i as u64)).collect();
        Self { trainers, sent: Vec::new(), step: 0, lose: None }
    }
}

impl Replicas for Local {
    fn count(&self) -> usize {
        self.trainers.len()
    }
    fn send(&mut self, state: &ModelState, shards: &[Batch]) {
        self.step += 1;
        self.sent = shards.iter().map(|s| (state.clone(), s.clone())).collect();
    }
    async fn collect(&mut self) -> Vec<Option<ShardResult>> {
        let mut out = Vec::new();
        for (i, (state, shard)) in std::mem::take(&mut self.sent).into_iter().enumerate() {
            if self.lose == Some((i, self.step)) {
                out.push(None);
                continue;
            }
            out.push(Some(replica_step(&mut self.trainers[i], &state, &shard).await.unwrap()));
        }
        if let Some((i, step)) = self.lose
            && step == self.step
        {
            self.trainers.remove(i);
        }
        out
    }
}

/// A trainer of its own with `of`'s weights and statistics, as a worker builds one (Burn
/// initialises weights lazily, so one seed does not give two trainers the same weights).
fn same_weights(of: &Trainer) -> Trainer {
    let mut t = Trainer::new(of.model().arch(), &Device::flex(), of.lr, 1);
    let state = pollster::block_on(ModelState::of(of)).unwrap();
    t.set_parameters(&state.parameters).unwrap();
    t.set_running_stats(&state.stats).unwrap();
    t
}

/// Data-parallel training is the same training: from the same weights, one `three-conv`
/// trainer on whole batches and one sharing each batch with two replicas (shards of 22, 21 and
/// 21) give the same losses and the same model, within float tolerance (the sums are added in
/// another order), also when a replica is lost mid-run and its shard is done by the first.
#[test]
fn data_parallel_steps_equal_whole_batch_steps() {
    let data = common::dataset();
    let mut whole = Trainer::new(Arch::ThreeConv, &Device::flex(), 2e-3, 5);
    let mut first = same_weights(&whole);
    let mut local = Local::new(Arch::ThreeConv, 2);
    local.lose = Some((1, 4));
    let batches = epoch_batches(64 * 6, 64, &mut SmallRng::seed_from_u64(9));
    for (i, idx) in batches.iter().enumerate() {
        let batch = Batch::gather(&data.train, idx, None::<&mut SmallRng>);
        let one = pollster::block_on(whole.step(&batch).read()).unwrap();
        let many = pollster::block_on(replicas::step(&mut first, &mut local, &batch)).unwrap();
        assert_eq!((one.size, many.size), (64, 64));
        let (one, many) = (one.loss, many.loss);
        assert!((one - many).abs() < 1e-4 * one.max(1.0), "step {i}: loss {one} on one trainer, {many} shared");
    }
    assert_eq!(local.count(), 1, "the lost replica is no longer counted");
    let reference = test_logits(&whole, &data.test);
    let shared = test_logits(&first, &data.test);
    let scale = reference.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    let diff = max_difference(&reference, &shared);
    assert!(diff < 1e-3 * scale, "models differ by {diff}");
    // And training moved them: the comparison is not between two untrained models.
    let untrained = test_logits(&same_weights(&Trainer::new(Arch::ThreeConv, &Device::flex(), 2e-3, 5)), &data.test);
    assert!(max_difference(&untrained, &shared) > 10.0 * diff);
}

/// Batch norm, shared: each shard normalises with its own statistics (so the losses are not
/// the whole batch's), the running statistics are averaged into the first trainer's, and a
/// replica that takes its state answers exactly as it does. Trained for 40 steps of 64, it
/// is as accurate as one trainer on whole batches (within 4 points on 1,000 test images).
#[test]
fn data_parallel_batch_norm_keeps_replicas_equal_and_trains_as_well() {
    use fashion_cnn::train::parallel::running_stats;
    let data = common::dataset();
    let mut whole = Trainer::new(Arch::BnCnn, &Device::flex(), 2e-3, 5);
    let mut first = same_weights(&whole);
    let initial = pollster::block_on(running_stats(first.model())).unwrap();
    let mut local = Local::new(Arch::BnCnn, 2);
    for idx in epoch_batches(64 * 40, 64, &mut SmallRng::seed_from_u64(9)) {
        let batch = Batch::gather(&data.train, &idx, None::<&mut SmallRng>);
        pollster::block_on(whole.step(&batch).read()).unwrap();
        pollster::block_on(replicas::step(&mut first, &mut local, &batch)).unwrap();
    }
    let stats = pollster::block_on(running_stats(first.model())).unwrap();
    assert!(!stats.is_empty() && max_difference(&stats, &initial) > 0.1, "the running statistics moved");
    let replica = same_weights(&first);
    assert_eq!(test_logits(&replica, &data.test), test_logits(&first, &data.test), "a replica answers otherwise");
    let accuracy = |t: &Trainer| {
        let model = t.inference_model();
        let run = infer_split(&model, &data.test, 1000, t.device(), 250, |_| async { ControlFlow::Continue(()) });
        let predictions = pollster::block_on(run).unwrap().predictions;
        accuracy(&predictions, &data.test.labels[..1000])
    };
    let (one, shared) = (accuracy(&whole), accuracy(&first));
    assert!(one > 0.6 && (one - shared).abs() < 0.04, "test accuracy {one} on one trainer, {shared} shared");
}

/// Inference helpers in this thread, as helper workers would be: each a trainer of its own
/// that takes the state it is sent. `lose` drops the helper of that index at the first round.
struct LocalInference {
    trainers: Vec<Trainer>,
    loaded: Vec<Model>,
    sent: Vec<Batch>,
    lose: Option<usize>,
}

impl InferenceHelpers for LocalInference {
    fn helper_count(&self) -> usize {
        self.trainers.len()
    }
    fn load(&mut self, state: &ModelState) {
        self.loaded = self.trainers.iter_mut().map(|t| load_replica(t, state).unwrap()).collect();
    }
    fn send_batches(&mut self, batches: &[Batch]) {
        self.sent = batches.to_vec();
    }
    async fn collect_outputs(&mut self) -> Vec<Option<BatchOutput>> {
        let mut out = Vec::new();
        for (i, batch) in std::mem::take(&mut self.sent).iter().enumerate() {
            out.push(match self.lose {
                Some(l) if l == i => None,
                _ => Some(batch_output(&self.loaded[i], batch, &Device::flex()).await.unwrap()),
            });
        }
        if let Some(i) = self.lose.take() {
            self.trainers.remove(i);
            self.loaded.remove(i);
        }
        out
    }
}

/// An inference pass shared with helpers gives what one worker gives, in the same order: a
/// `bn-cnn` trained 20 steps (its running statistics moved), 1,200 test images in batches of
/// 250 over three workers (rounds of three batches, the last one short), also when a helper is
/// lost in the first round; progress comes once a round.
#[test]
fn shared_inference_equals_one_worker() {
    let data = common::dataset();
    let mut trainer = Trainer::new(Arch::BnCnn, &Device::flex(), 2e-3, 5);
    for idx in epoch_batches(64 * 20, 64, &mut SmallRng::seed_from_u64(3)) {
        pollster::block_on(trainer.step(&Batch::gather(&data.train, &idx, None::<&mut SmallRng>)).read()).unwrap();
    }
    let model = trainer.inference_model();
    let one = pollster::block_on(infer_split(&model, &data.test, 1200, &Device::flex(), 250, |_| async {
        ControlFlow::Continue(())
    }))
    .unwrap();
    for lose in [None, Some(1)] {
        let trainers = (0..2).map(|i| Trainer::new(Arch::BnCnn, &Device::flex(), 2e-3, 50 + i)).collect();
        let mut helpers = LocalInference { trainers, loaded: Vec::new(), sent: Vec::new(), lose };
        let mut progress = Vec::new();
        let device = Device::flex();
        let run = infer_shared(&model, &data.test, 1200, &device, 250, &mut helpers, |done| {
            progress.push(done);
            async { ControlFlow::Continue(()) }
        });
        let shared = pollster::block_on(run).unwrap();
        // With a helper lost in the first round, the second is of two workers: 750 + 500 too.
        assert_eq!(progress, [750, 1200], "lose {lose:?}");
        assert_eq!(shared.predictions, one.predictions, "lose {lose:?}");
        assert_eq!(shared.features.len(), 1200 * one.feature_dim);
        let diff = max_difference(&shared.features, &one.features);
        assert!(diff < 1e-5, "features differ by {diff} (lose {lose:?})");
        assert!(max_difference(&shared.probabilities, &one.probabilities) < 1e-6);
    }
    // The helpers' own weights were not used: a helper that skipped the load answers otherwise.
    let unloaded = Trainer::new(Arch::BnCnn, &Device::flex(), 2e-3, 50).inference_model();
    let batch = Batch::gather(&data.test, &(0..250).collect::<Vec<_>>(), None::<&mut SmallRng>);
    let theirs = pollster::block_on(batch_output(&unloaded, &batch, &Device::flex())).unwrap();
    assert!(max_difference(&theirs.features, &one.features[..250 * one.feature_dim]) > 1e-2);
}
