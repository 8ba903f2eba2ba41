// Native tests; the browser suite is tests/web.rs.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use fashion_cnn::augment::*;
use fashion_cnn::batch::*;
use fashion_cnn::dataset::{IMAGE_PIXELS, IMAGE_SIDE};
use fashion_cnn::pictures::silhouette;
use rand::SeedableRng;
use rand::rngs::SmallRng;

fn at(img: &[u8], x: usize, y: usize) -> u8 {
    img[y * IMAGE_SIDE + x]
}

#[test]
fn shift_moves_pixels_and_fills_black() {
    let src = common::dataset().train.image(0).to_vec();
    let mut dst = vec![0u8; IMAGE_PIXELS];
    shift(&src, &mut dst, 2, -1);
    for y in 0..IMAGE_SIDE - 1 {
        for x in 2..IMAGE_SIDE {
            assert_eq!(at(&dst, x, y), at(&src, x - 2, y + 1));
        }
    }
    assert!((0..IMAGE_SIDE).all(|y| at(&dst, 0, y) == 0 && at(&dst, 1, y) == 0));
    assert!((0..IMAGE_SIDE).all(|x| at(&dst, x, IMAGE_SIDE - 1) == 0));
}

#[test]
fn flip_mirrors_rows_and_is_an_involution() {
    let src = common::dataset().train.image(1).to_vec();
    let mut img = src.clone();
    flip_horizontal(&mut img);
    assert_ne!(img, src, "a real item is not perfectly symmetric");
    assert_eq!(at(&img, 0, 14), at(&src, 27, 14));
    flip_horizontal(&mut img);
    assert_eq!(img, src);
}

#[test]
fn augment_keeps_ink_roughly_and_varies() {
    let split = &common::dataset().train;
    let mut rng = SmallRng::seed_from_u64(1);
    let mut dst = vec![0u8; IMAGE_PIXELS];
    let mut distinct = std::collections::HashSet::new();
    for _ in 0..20 {
        augment(split.image(3), &mut dst, &mut rng);
        let ink = |im: &[u8]| im.iter().map(|&p| p as u64).sum::<u64>();
        // A shift of 2 can only cut a sliver of ink off the edge.
        assert!(ink(&dst) as f64 > 0.8 * ink(split.image(3)) as f64);
        distinct.insert(dst.clone());
    }
    assert!(distinct.len() > 5, "augmentations should differ");
}

/// Shift-only augmentation moves the item but never mirrors it: every result is one of the
/// 25 shifts of the original, and some of them are not the original.
#[test]
fn shift_without_flip_only_shifts() {
    let src = common::dataset().train.image(0).to_vec(); // an ankle boot: not symmetric
    let shifts: Vec<Vec<u8>> = (-MAX_SHIFT..=MAX_SHIFT)
        .flat_map(|dx| (-MAX_SHIFT..=MAX_SHIFT).map(move |dy| (dx, dy)))
        .map(|(dx, dy)| {
            let mut d = vec![0u8; IMAGE_PIXELS];
            shift(&src, &mut d, dx, dy);
            d
        })
        .collect();
    let mut rng = SmallRng::seed_from_u64(2);
    let mut moved = 0;
    for _ in 0..50 {
        let mut out = vec![0u8; IMAGE_PIXELS];
        Augmentation { shift: true, flip: false, sketch: 0.0 }.apply(&src, &mut out, &mut rng);
        assert!(shifts.contains(&out), "not a pure shift");
        moved += (out != src) as usize;
    }
    assert!(moved > 30, "only {moved} of 50 moved");
}

#[test]
fn epoch_covers_every_index_once_and_shuffles() {
    let mut rng = SmallRng::seed_from_u64(7);
    let batches = epoch_batches(1000, 64, &mut rng);
    assert_eq!(batches.len(), 16);
    assert!(batches[..15].iter().all(|b| b.len() == 64));
    assert_eq!(batches[15].len(), 1000 - 15 * 64);
    let mut all: Vec<usize> = batches.concat();
    assert_ne!(all[..10], (0..10).collect::<Vec<_>>()[..]);
    all.sort();
    assert_eq!(all, (0..1000).collect::<Vec<_>>());
    let again = epoch_batches(1000, 64, &mut rng);
    assert_ne!(again, batches, "each epoch gets a new order");
}

#[test]
fn gather_standardises_real_pixels_and_labels() {
    let split = &common::dataset().train;
    let b = Batch::gather(split, &[5, 0], None::<&mut SmallRng>);
    assert_eq!(b.len(), 2);
    assert_eq!(b.labels, vec![split.labels[5] as i64, split.labels[0] as i64]);
    assert_eq!(b.pixels.len(), 2 * IMAGE_PIXELS);
    assert_eq!(b.pixels[IMAGE_PIXELS], normalize(split.image(0)[0]));
    // Standardised over many images: mean about 0, sd about 1.
    let idx: Vec<usize> = (0..2000).collect();
    let b = Batch::gather(split, &idx, None::<&mut SmallRng>);
    let n = b.pixels.len() as f64;
    let mean = b.pixels.iter().map(|&p| p as f64).sum::<f64>() / n;
    let var = b.pixels.iter().map(|&p| (p as f64 - mean).powi(2)).sum::<f64>() / n;
    assert!(mean.abs() < 0.05 && (var.sqrt() - 1.0).abs() < 0.05, "mean {mean} var {var}");
}

#[test]
fn sequential_batches_cover_range() {
    let r: Vec<_> = sequential_batches(10, 4).collect();
    assert_eq!(r, vec![0..4, 4..8, 8..10]);
}

/// A training picture is the item as the pad would hand it over: framed like a dataset image
/// (light on black, its box filling the 28x28 field's longer side) and shaped like the item.
#[test]
fn training_pictures_are_the_item_as_the_pad_prepares_it() {
    let split = &common::dataset().train;
    let mut rng = SmallRng::seed_from_u64(4);
    let (n, mut alike) = (60, 0);
    for i in 0..n {
        let src = split.image(i);
        let mask = silhouette(src);
        let mut dst = vec![0u8; IMAGE_PIXELS];
        picture_of(src, &mut dst, &mut rng);
        let corners = [0, IMAGE_SIDE - 1, IMAGE_PIXELS - IMAGE_SIDE, IMAGE_PIXELS - 1];
        assert!(corners.iter().all(|&c| dst[c] < 60), "image {i}: not on black");
        assert!(dst.iter().any(|&v| v > 100), "image {i}: nothing light");
        // Overlap of the picture's ink with the item's silhouette (intersection over union).
        let ink: Vec<bool> = dst.iter().map(|&v| v > 40).collect();
        let both = ink.iter().zip(&mask).filter(|(a, b)| **a && **b).count();
        let either = ink.iter().zip(&mask).filter(|(a, b)| **a || **b).count();
        alike += (both * 2 > either) as usize;
    }
    assert!(alike >= n * 8 / 10, "only {alike} of {n} pictures overlap their item's silhouette by half");
    // Sketching at a share of 0 changes nothing; at 1 every image is a sketch.
    let original = split.image(7);
    let mut out = vec![0u8; IMAGE_PIXELS];
    Augmentation { shift: false, flip: false, sketch: 0.0 }.apply(original, &mut out, &mut rng);
    assert_eq!(out, original);
    Augmentation { shift: false, flip: false, sketch: 1.0 }.apply(original, &mut out, &mut rng);
    assert_ne!(out, original);
}
