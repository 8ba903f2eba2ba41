//! Training in a real browser (`wasm-pack test --headless --chrome`): one test on the CPU
//! backend, one on WebGPU (headless Chromium's SwiftShader adapter, `--enable-unsafe-webgpu`
//! from webdriver.json). Both train on the real Fashion-MNIST test file, embedded at compile
//! time from `$FASHION_MNIST_DIR` (scripts/test.sh sets it).
#![cfg(target_arch = "wasm32")]

use burn::prelude::Device;
use fashion_cnn::batch::{Batch, epoch_batches};
use fashion_cnn::dataset::{FILE_NAMES, Split, TEST_COUNT};
use fashion_cnn::model::Arch;
use fashion_cnn::train::Trainer;
use rand::SeedableRng;
use rand::rngs::SmallRng;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

static IMAGES: &[u8] = include_bytes!(concat!(env!("FASHION_MNIST_DIR"), "/t10k-images-idx3-ubyte.gz"));
static LABELS: &[u8] = include_bytes!(concat!(env!("FASHION_MNIST_DIR"), "/t10k-labels-idx1-ubyte.gz"));

/// Trains `three-conv` on 1,536 real images and returns (mean of the first 3 losses, mean of
/// the last 5).
async fn train_losses(device: Device) -> (f32, f32) {
    let split = Split::from_gz((FILE_NAMES[2], IMAGES), (FILE_NAMES[3], LABELS), Some(TEST_COUNT)).unwrap();
    let mut trainer = Trainer::new(Arch::ThreeConv, &device, 2e-3, 1);
    let mut rng = SmallRng::seed_from_u64(3);
    let mut losses = Vec::new();
    for indices in epoch_batches(1536, 64, &mut rng) {
        let batch = Batch::gather(&split, &indices, None::<&mut SmallRng>);
        losses.push(trainer.step(&batch).read().await.unwrap().loss);
    }
    let first = losses[..3].iter().sum::<f32>() / 3.0;
    let last = losses[losses.len() - 5..].iter().sum::<f32>() / 5.0;
    (first, last)
}

#[wasm_bindgen_test]
async fn cpu_training_lowers_the_loss_in_the_browser() {
    let (first, last) = train_losses(Device::flex()).await;
    web_sys::console::log_1(&format!("cpu: loss {first:.3} -> {last:.3}").into());
    assert!(first > 1.5 && last < 0.7 * first, "cpu loss {first} -> {last}");
}

#[wasm_bindgen_test]
async fn webgpu_training_lowers_the_loss_in_the_browser() {
    let device = Device::wgpu_options()
        .init_async()
        .await
        .expect("a WebGPU adapter (Chromium needs --enable-unsafe-webgpu, see webdriver.json)");
    let (first, last) = train_losses(device).await;
    web_sys::console::log_1(&format!("webgpu: loss {first:.3} -> {last:.3}").into());
    assert!(first > 1.5 && last < 0.7 * first, "webgpu loss {first} -> {last}");
}
