//! The model and training step on the real data, on Burn's flex CPU backend.
#![cfg(not(target_arch = "wasm32"))]
mod common;

use burn::module::Module;
use burn::prelude::*;
use fashion_cnn::batch::{Batch, epoch_batches};
use fashion_cnn::model::Arch;
use fashion_cnn::train::{Trainer, batch_tensors, predict_split};
use rand::SeedableRng;
use rand::rngs::SmallRng;

#[test]
fn architectures_have_the_contract_parameter_counts() {
    let device = Device::flex();
    assert_eq!(Arch::OneConv.init(&device).num_params(), 693_962);
    assert_eq!(Arch::ThreeConv.init(&device).num_params(), 93_322);
    assert!(Arch::BnCnn.init(&device).num_params() > 93_322);
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

#[test]
fn short_training_predicts_far_above_chance() {
    let data = common::dataset();
    let device = Device::flex();
    let mut trainer = Trainer::new(Arch::ThreeConv, &device, 2e-3, 5);
    let mut rng = SmallRng::seed_from_u64(9);
    for idx in epoch_batches(4000, 64, &mut rng) {
        pollster::block_on(trainer.step(&Batch::gather(&data.train, &idx, Some(&mut rng))).read()).unwrap();
    }
    let mut test = data.test.clone();
    test.truncate(1000);
    let model = trainer.inference_model();
    let predicted = pollster::block_on(predict_split(&model, &test, &device, 250, |_| async {})).unwrap();
    let acc = fashion_cnn::metrics::accuracy(&predicted, &test.labels);
    assert!(acc > 0.6, "accuracy {acc} after 4,000 images");
}
