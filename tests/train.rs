//! The model and training step on the real data, on Burn's flex CPU backend.
#![cfg(not(target_arch = "wasm32"))]
mod common;

use burn::module::Module;
use burn::prelude::*;
use fashion_cnn::batch::{Batch, epoch_batches};
use fashion_cnn::metrics::accuracy;
use fashion_cnn::model::Arch;
use fashion_cnn::svm::{FeatureMap, Fit, SvmOptions};
use fashion_cnn::train::{StatsRead, Trainer, batch_tensors, infer_split};
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

/// One data-parallel step over `replicas`, each on its shard of `batch`: the gradients averaged
/// by shard size and applied by all, the running statistics averaged when `sync_stats`. The
/// whole batch's mean loss.
fn parallel_step(
    replicas: &mut [Trainer],
    split: &fashion_cnn::dataset::Split,
    batch: &[usize],
    sync_stats: bool,
) -> f32 {
    use fashion_cnn::train::parallel::{flatten_gradients, running_stats, shard_sizes, weighted_mean};
    let sizes = shard_sizes(batch.len(), replicas.len());
    let mut start = 0;
    let mut shards = Vec::new();
    for (trainer, &n) in replicas.iter_mut().zip(&sizes) {
        let shard = Batch::gather(split, &batch[start..start + n], None::<&mut SmallRng>);
        start += n;
        let (stats, grads) = trainer.gradients(&shard);
        let stats = pollster::block_on(stats.read()).unwrap();
        let flat = pollster::block_on(flatten_gradients(trainer.model(), &grads)).unwrap();
        shards.push((n, stats.loss, flat));
    }
    let mean = weighted_mean(&shards.iter().map(|(n, _, g)| (*n, g.as_slice())).collect::<Vec<_>>());
    for trainer in replicas.iter_mut() {
        trainer.apply_flat(&mean).unwrap();
    }
    if sync_stats {
        let stats: Vec<Vec<f32>> =
            replicas.iter().map(|t| pollster::block_on(running_stats(t.model())).unwrap()).collect();
        let mean = weighted_mean(&sizes.iter().zip(&stats).map(|(n, s)| (*n, s.as_slice())).collect::<Vec<_>>());
        for trainer in replicas.iter_mut() {
            trainer.set_running_stats(&mean).unwrap();
        }
    }
    shards.iter().map(|(n, loss, _)| *n as f32 * loss).sum::<f32>() / batch.len() as f32
}

fn test_logits(trainer: &Trainer, split: &fashion_cnn::dataset::Split) -> Vec<f32> {
    let batch = Batch::gather(split, &(0..32).collect::<Vec<_>>(), None::<&mut SmallRng>);
    let (x, _) = batch_tensors(&batch, trainer.device());
    trainer.inference_model().forward(x.inner()).into_data().try_to_vec::<f32>().unwrap()
}

fn max_difference(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

/// Data-parallel training is the same training: from the same weights, one `three-conv`
/// trainer on whole batches and three replicas on thirds of them (of unequal size) give the
/// same losses and the same model, within float tolerance (the sums are added in another order).
#[test]
fn data_parallel_steps_equal_whole_batch_steps() {
    let data = common::dataset();
    let mut whole = Trainer::new(Arch::ThreeConv, &Device::flex(), 2e-3, 5);
    // Replicas of one set of weights, as workers get them from the file the first one sends.
    let untrained = whole.inference_model();
    let mut replicas: Vec<Trainer> =
        (0..3).map(|_| Trainer::from_model(untrained.clone(), &Device::flex(), 2e-3)).collect();
    let batches = epoch_batches(64 * 6, 64, &mut SmallRng::seed_from_u64(9));
    for (i, idx) in batches.iter().enumerate() {
        let one = pollster::block_on(whole.step(&Batch::gather(&data.train, idx, None::<&mut SmallRng>)).read())
            .unwrap()
            .loss;
        let many = parallel_step(&mut replicas, &data.train, idx, true);
        assert!((one - many).abs() < 1e-4 * one.max(1.0), "step {i}: loss {one} on one trainer, {many} on three");
    }
    let reference = test_logits(&whole, &data.test);
    let first = test_logits(&replicas[0], &data.test);
    // The replicas apply the very same numbers: identical models.
    for r in &replicas[1..] {
        assert_eq!(test_logits(r, &data.test), first, "replicas drifted apart");
    }
    let scale = reference.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(
        max_difference(&reference, &first) < 1e-3 * scale,
        "models differ by {}",
        max_difference(&reference, &first)
    );
    // And training moved them: the comparison is not between two untrained models.
    let untrained = test_logits(&Trainer::from_model(untrained, &Device::flex(), 2e-3), &data.test);
    assert!(max_difference(&untrained, &first) > 10.0 * max_difference(&reference, &first));
}
