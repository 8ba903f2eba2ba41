//! Explaining one image (probabilities, occlusion heatmap, first-layer maps) and the similarity search,
//! with a bn-cnn trained briefly on real data.
#![cfg(all(not(target_arch = "wasm32"), feature = "ml"))]
mod common;

use burn::prelude::*;
use fashion_cnn::batch::{Batch, epoch_batches};
use fashion_cnn::dataset::{IMAGE_PIXELS, IMAGE_SIDE, NUM_CLASSES};
use fashion_cnn::explain::{Explanation, Maps, explain, first_filters, occlusion};
use fashion_cnn::model::{Arch, Model};
use fashion_cnn::neighbours::FeatureIndex;
use fashion_cnn::train::{Trainer, infer_split};
use rand::SeedableRng;
use rand::rngs::SmallRng;
use std::ops::ControlFlow;
use std::sync::OnceLock;

fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        let data = &common::dataset().train;
        let mut trainer = Trainer::new(Arch::BnCnn, &Device::flex(), 2e-3, 7);
        let mut rng = SmallRng::seed_from_u64(7);
        for idx in epoch_batches(6000, 64, &mut rng) {
            pollster::block_on(trainer.step(&Batch::gather(data, &idx, None::<&mut SmallRng>)).read()).unwrap();
        }
        trainer.inference_model()
    })
}

#[test]
fn probabilities_and_features_match_the_batched_path() {
    let device = Device::flex();
    let test = &common::dataset().test;
    let batched =
        pollster::block_on(infer_split(model(), test, 20, &device, 20, |_| async { ControlFlow::Continue(()) }))
            .unwrap();
    let dim = Arch::BnCnn.feature_dim();
    for i in 0..20 {
        let e = pollster::block_on(explain(model(), test.image(i), &device)).unwrap();
        assert!((e.probabilities.iter().sum::<f32>() - 1.0).abs() < 1e-4);
        assert_eq!(e.cnn_class(), batched.predictions[i] as usize, "image {i}");
        let expected = &batched.features[i * dim..(i + 1) * dim];
        let diff = e.features.iter().zip(expected).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
        assert!(diff < 1e-3, "image {i}: features differ by {diff}");
        assert_eq!((e.first.count, e.first.side, e.first.values.len()), (32, 28, 32 * 28 * 28));
        let heat = pollster::block_on(occlusion(model(), test.image(i), e.cnn_class(), &device)).unwrap();
        assert!(heat.len() == IMAGE_PIXELS && heat.iter().all(|&c| (0.0..=1.0).contains(&c)));
    }
}

/// The occlusion heatmap: blacking out a 9x9 patch at its peak lowers the answer's probability
/// more than blacking out one centred on a random pixel of the item, and it is zero where the
/// image is black all around (hiding black changes nothing).
#[test]
fn heatmap_marks_the_pixels_the_answer_depends_on() {
    use rand::Rng;
    let device = Device::flex();
    let test = &common::dataset().test;
    let mut rng = SmallRng::seed_from_u64(1);
    let (mut peak_drop, mut random_drop) = (0f32, 0f32);
    let n = 40;
    for i in 0..n {
        let img = test.image(i);
        let e = pollster::block_on(explain(model(), img, &device)).unwrap();
        let class = e.cnn_class();
        let heat = pollster::block_on(occlusion(model(), img, class, &device)).unwrap();
        let prob_without = |centre: usize| {
            let (cx, cy) = ((centre % IMAGE_SIDE) as isize, (centre / IMAGE_SIDE) as isize);
            let mut masked = img.to_vec();
            for (p, v) in masked.iter_mut().enumerate() {
                let (x, y) = ((p % IMAGE_SIDE) as isize, (p / IMAGE_SIDE) as isize);
                if (x - cx).abs() <= 4 && (y - cy).abs() <= 4 {
                    *v = 0;
                }
            }
            pollster::block_on(explain(model(), &masked, &device)).unwrap().probabilities[class]
        };
        let peak = (0..IMAGE_PIXELS).max_by(|&a, &b| heat[a].total_cmp(&heat[b])).unwrap();
        let item: Vec<usize> = (0..IMAGE_PIXELS).filter(|&p| img[p] > 20).collect();
        let random = item[rng.random_range(0..item.len())];
        peak_drop += e.probabilities[class] - prob_without(peak);
        random_drop += e.probabilities[class] - prob_without(random);
    }
    let (peak_drop, random_drop) = (peak_drop / n as f32, random_drop / n as f32);
    eprintln!("mean drop in probability: heatmap's peak {peak_drop:.3}, random patch {random_drop:.3}");
    assert!(peak_drop > 2.0 * random_drop, "mean drop {peak_drop:.3} (heatmap's peak) vs {random_drop:.3} (random)");

    // A small item in one corner: the far corner's heat is zero.
    let mut img = vec![0u8; IMAGE_PIXELS];
    for y in 0..10 {
        for x in 0..10 {
            img[y * IMAGE_SIDE + x] = test.image(0)[(y * 28 / 10) * IMAGE_SIDE + x * 28 / 10];
        }
    }
    let e = pollster::block_on(explain(model(), &img, &device)).unwrap();
    let heat = pollster::block_on(occlusion(model(), &img, e.cnn_class(), &device)).unwrap();
    assert!(heat[IMAGE_PIXELS - 1] == 0.0 && heat.iter().any(|&h| h > 0.0));
}

#[test]
fn first_layer_filters_are_the_conv_kernels() {
    let f = pollster::block_on(first_filters(model())).unwrap();
    assert_eq!((f.count, f.side, f.values.len()), (32, 3, 288));
    assert!(f.values.iter().any(|&v| v != 0.0));
}

#[test]
fn nearest_training_images_share_the_query_label() {
    let device = Device::flex();
    let data = common::dataset();
    let n = 10_000;
    let train =
        pollster::block_on(infer_split(model(), &data.train, n, &device, 500, |_| async { ControlFlow::Continue(()) }))
            .unwrap();
    let index = FeatureIndex::new(&train.features, train.feature_dim);
    assert_eq!(index.len(), n);
    let dim = train.feature_dim;
    // A training image is its own nearest neighbour, up to the i8 rounding of the index: a
    // briefly trained model can map another image to almost the same direction (training image
    // 2943 ties with 9999 here).
    for i in [0, 123, 9_999] {
        let hits = index.nearest(&train.features[i * dim..(i + 1) * dim], 3);
        let own =
            hits.iter().find(|h| h.0 == i).unwrap_or_else(|| panic!("image {i} not among its 3 nearest: {hits:?}"));
        assert!(own.1 > 0.99 && hits[0].1 - own.1 < 2e-3, "image {i}: {hits:?}");
        assert!(hits[0].1 >= hits[1].1 && hits[1].1 >= hits[2].1);
    }
    // Test images: the labels of their eight nearest training images mostly agree with theirs.
    let test = pollster::block_on(infer_split(model(), &data.test, 300, &device, 300, |_| async {
        ControlFlow::Continue(())
    }))
    .unwrap();
    let mut agree = 0;
    for i in 0..300 {
        let hits = index.nearest(&test.features[i * dim..(i + 1) * dim], 8);
        agree += hits.iter().filter(|h| data.train.labels[h.0] == data.test.labels[i]).count();
    }
    let share = agree as f64 / (300.0 * 8.0);
    assert!(share > 0.7, "share of neighbours with the test image's label: {share:.3}");
}

#[test]
fn the_cnn_class_of_a_tie_is_the_first_and_never_nan() {
    let answer = |probabilities: [f32; NUM_CLASSES]| {
        Explanation { probabilities, features: Vec::new(), first: Maps { count: 0, side: 0, values: Vec::new() } }
            .cnn_class()
    };
    let mut p = [0.0; NUM_CLASSES];
    (p[3], p[7]) = (0.5, 0.5);
    assert_eq!(answer(p), 3);
    p[0] = f32::NAN;
    assert_eq!(answer(p), 3);
    assert_eq!(answer([0.1; NUM_CLASSES]), 0);
}
