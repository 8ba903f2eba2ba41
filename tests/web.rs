//! Training, the SVM fit and the sketch pad's explanation in a real browser (`wasm-pack test --headless --chrome`): one test on the CPU
//! backend, one on WebGPU (headless Chromium's SwiftShader adapter, `--enable-unsafe-webgpu`
//! from webdriver.json). Both train on the real Fashion-MNIST test file, embedded at compile
//! time from `$FASHION_MNIST_DIR` (scripts/test.sh sets it).
#![cfg(target_arch = "wasm32")]

use burn::prelude::Device;
use fashion_cnn::batch::{Batch, epoch_batches};
use fashion_cnn::dataset::{FILE_NAMES, Split, TEST_COUNT};
use fashion_cnn::explain::{explain, first_filters, occlusion};
use fashion_cnn::metrics::accuracy;
use fashion_cnn::model::{Arch, Model};
use fashion_cnn::svm::{FeatureMap, Fit, SvmOptions};
use fashion_cnn::train::{Trainer, infer_split};
use rand::SeedableRng;
use rand::rngs::SmallRng;
use std::ops::ControlFlow;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

static IMAGES: &[u8] = include_bytes!(concat!(env!("FASHION_MNIST_DIR"), "/t10k-images-idx3-ubyte.gz"));
static LABELS: &[u8] = include_bytes!(concat!(env!("FASHION_MNIST_DIR"), "/t10k-labels-idx1-ubyte.gz"));

const TRAINED: usize = 1536;

fn split() -> Split {
    Split::from_gz((FILE_NAMES[2], IMAGES), (FILE_NAMES[3], LABELS), Some(TEST_COUNT)).unwrap()
}

/// Trains `three-conv` on 1,536 real images and returns (mean of the first 3 losses, mean of
/// the last 5), and the trained model.
async fn train_losses(device: Device) -> (f32, f32, Model) {
    let split = split();
    let mut trainer = Trainer::new(Arch::ThreeConv, &device, 2e-3, 1);
    let mut rng = SmallRng::seed_from_u64(3);
    let mut losses = Vec::new();
    // As the page trains: each step queued before the previous one's results are awaited.
    let mut in_flight = None;
    for indices in epoch_batches(TRAINED, 64, &mut rng) {
        let batch = Batch::gather(&split, &indices, None::<&mut SmallRng>);
        if let Some(read) = in_flight.replace(trainer.step(&batch).begin_read()) {
            losses.push(read.await.unwrap().loss);
        }
    }
    losses.push(in_flight.unwrap().await.unwrap().loss);
    let first = losses[..3].iter().sum::<f32>() / 3.0;
    let last = losses[losses.len() - 5..].iter().sum::<f32>() / 5.0;
    (first, last, trainer.inference_model())
}

/// Fits the RBF Pegasos SVM (with its λ search) on the model's features of the trained images,
/// and returns the accuracy of the CNN head and of CNN+SVM on 1,000 images it never saw.
async fn cnn_and_svm_accuracy(model: &Model, device: &Device) -> (f64, f64) {
    let split = split();
    let train =
        infer_split(model, &split, TRAINED, device, 256, |_| async { ControlFlow::Continue(()) }).await.unwrap();
    let options = SvmOptions::default();
    let map = FeatureMap::fit(options.kernel, &train.features, train.feature_dim, 1);
    let rows = map.apply_all(&train.features, |_| {});
    let mut fit = Fit::new(&rows, &split.labels[..TRAINED], options);
    while !fit.step(200) {}
    let (svm, _) = fit.finish();

    let held_out = 5000..6000;
    let unseen =
        Split::new(held_out.clone().flat_map(|i| split.image(i).to_vec()).collect(), split.labels[held_out].to_vec())
            .unwrap();
    let test = infer_split(model, &unseen, 1000, device, 250, |_| async { ControlFlow::Continue(()) }).await.unwrap();
    let svm_predictions = svm.predict_rows(&map.apply_all(&test.features, |_| {}));
    (accuracy(&test.predictions, &unseen.labels), accuracy(&svm_predictions, &unseen.labels))
}

/// The sketch pad's path on this backend: one image explained (its occlusion batch included),
/// agreeing with batched inference.
async fn check_explain(name: &str, model: &Model, device: &Device) {
    let split = split();
    let batched = infer_split(model, &split, 8, device, 8, |_| async { ControlFlow::Continue(()) }).await.unwrap();
    for i in 0..8 {
        let e = explain(model, split.image(i), device).await.unwrap();
        assert!((e.probabilities.iter().sum::<f32>() - 1.0).abs() < 1e-3, "{name}: probabilities");
        assert_eq!(e.cnn_class(), batched.predictions[i] as usize, "{name}: image {i}");
        let heat = occlusion(model, split.image(i), e.cnn_class(), device).await.unwrap();
        assert!(heat.iter().all(|h| (0.0..=1.0).contains(h)) && heat.iter().any(|&h| h > 0.0), "{name}: heat");
        assert_eq!(e.first.values.len(), e.first.count * e.first.side * e.first.side);
    }
    assert_eq!(first_filters(model).await.unwrap().values.len(), 32 * 9);
}

/// Reading a step's results while later steps are already queued (here all four) gives the
/// numbers that reading each step before queueing the next gives: same weights, same batches.
async fn check_one_step_in_flight(name: &str, device: &Device) {
    let split = split();
    let batches: Vec<Batch> = (0..4)
        .map(|b| Batch::gather(&split, &(b * 16..(b + 1) * 16).collect::<Vec<_>>(), None::<&mut SmallRng>))
        .collect();
    // The same weights for both: a copy, as in the native test, not a second seeded init.
    let mut sequential = Trainer::new(Arch::ThreeConv, device, 2e-3, 5);
    let mut pipelined = Trainer::from_model(sequential.inference_model(), device, 2e-3);
    let mut one_by_one = Vec::new();
    for batch in &batches {
        one_by_one.push(sequential.step(batch).read().await.unwrap());
    }
    let reads: Vec<_> = batches.iter().map(|batch| pipelined.step(batch).begin_read()).collect();
    for (i, read) in reads.into_iter().enumerate() {
        let stats = read.await.unwrap();
        assert!(
            (stats.loss - one_by_one[i].loss).abs() < 1e-3,
            "{name}: step {i} loss {} vs {}",
            stats.loss,
            one_by_one[i].loss
        );
        assert_eq!(stats.correct, one_by_one[i].correct, "{name}: step {i}");
    }
}

async fn check_backend(name: &str, device: Device) {
    check_one_step_in_flight(name, &device).await;
    let (first, last, model) = train_losses(device.clone()).await;
    check_explain(name, &model, &device).await;
    let (cnn, svm) = cnn_and_svm_accuracy(&model, &device).await;
    web_sys::console::log_1(&format!("{name}: loss {first:.3} -> {last:.3}; CNN {cnn:.3}, CNN+SVM {svm:.3}").into());
    assert!(first > 1.5 && last < 0.7 * first, "{name} loss {first} -> {last}");
    assert!(cnn > 0.5, "{name} CNN accuracy {cnn}");
    assert!(svm > 0.5 && svm > cnn - 0.08, "{name} SVM accuracy {svm} (CNN {cnn})");
}

#[wasm_bindgen_test]
async fn cpu_training_then_svm_in_the_browser() {
    check_backend("cpu", Device::flex()).await;
}

#[wasm_bindgen_test]
async fn webgpu_training_then_svm_in_the_browser() {
    let device = Device::wgpu_options()
        .init_async()
        .await
        .expect("a WebGPU adapter (Chromium needs --enable-unsafe-webgpu, see webdriver.json)");
    check_backend("webgpu", device).await;
}
