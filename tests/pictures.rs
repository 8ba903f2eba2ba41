//! The picture generator that measures (and trains) the pad on made-up pictures of real
//! Fashion-MNIST items: its pictures come back through the pad's preprocessing as their item,
//! its held-out family stays out of the training family's ranges, and its parts (traced
//! boundaries, hand-drawn strokes, JPEG's quantisation) do what they claim.
#![cfg(not(target_arch = "wasm32"))]
mod common;

use fashion_cnn::dataset::{IMAGE_PIXELS, IMAGE_SIDE};
use fashion_cnn::pictures::{
    Family, Hand, Kind, Style, boundaries, fine_mask, hand_drawn, jpeg_artefacts, mask, render_style, silhouette,
};
use fashion_cnn::sketch::{Gray, prepare};
use rand::SeedableRng;
use rand::rngs::SmallRng;

/// Training-family pictures of each kind come back as their item with the right polarity:
/// photos like the image, silhouettes like its silhouette, exact outlines filled in.
#[test]
fn training_family_pictures_are_recovered() {
    let test = &common::dataset().test;
    let mut rng = SmallRng::seed_from_u64(5);
    for kind in Kind::ALL {
        let (n, mut close, mut filled, mut exact) = (40, 0, 0, 0);
        for i in 0..n {
            let original = test.image(100 + i);
            let style = Style::draw(kind, Family::Training, &mut rng);
            let p = prepare(&render_style(original, &style, &mut rng));
            assert!(!p.empty, "{}: test image {}: nothing found in {style:?}", kind.name(), 100 + i);
            assert_eq!(p.inverted, style.dark_on_light, "{}: test image {}: polarity", kind.name(), 100 + i);
            let reference: Vec<u8> = match kind {
                Kind::Photo => original.to_vec(),
                _ => silhouette(original).iter().map(|&m| if m { 255 } else { 0 }).collect(),
            };
            close += (common::correlation(&p.image, &reference) > 0.75) as usize;
            if kind == Kind::Outline && style.hand.is_none() {
                exact += 1;
                filled += p.filled_outline as usize;
            } else if kind != Kind::Outline {
                assert!(!p.filled_outline, "{}: test image {} taken for an outline", kind.name(), 100 + i);
            }
        }
        assert!(close >= n * 8 / 10, "{}: only {close} of {n} look like their item", kind.name());
        assert!(filled + 2 >= exact, "exact outlines filled: {filled} of {exact}");
    }
}

/// Every parameter the held-out family varies lies outside the training family's range, so a
/// model trained on training-family pictures has never seen a held-out one.
#[test]
fn the_held_out_family_stays_out_of_the_training_ranges() {
    let mut rng = SmallRng::seed_from_u64(9);
    let draw = |family, rng: &mut SmallRng| -> Vec<Style> {
        (0..300).map(|i| Style::draw(Kind::ALL[i % 3], family, rng)).collect()
    };
    let (train, held) = (draw(Family::Training, &mut rng), draw(Family::HeldOut, &mut rng));
    type Get = fn(&Style) -> f32;
    let parameters: [(&str, Get); 9] = [
        ("item share", |s| s.item_share),
        ("rotation", |s| s.rotation.abs()),
        ("threshold", |s| s.threshold as f32),
        ("fill", |s| s.fill),
        ("pen", |s| s.pen),
        ("blur", |s| s.blur),
        ("light drop", |s| s.light_drop),
        ("paper", |s| s.paper),
        ("noise", |s| s.noise),
    ];
    for (name, get) in parameters {
        let (lo, hi) = train.iter().map(get).fold((f32::MAX, f32::MIN), |(a, b), v| (a.min(v), b.max(v)));
        let inside = held.iter().map(get).filter(|&v| v > lo && v < hi).count();
        assert_eq!(inside, 0, "{name}: {inside} held-out values inside the training range {lo}..{hi}");
    }
    let closing = |s: &[Style]| s.iter().map(|s| s.closing).max().unwrap();
    assert!(closing(&train) < held.iter().map(|s| s.closing).min().unwrap(), "closing radii overlap");
    let quality = |s: &Style| s.jpeg.unwrap_or(100);
    assert!(held.iter().map(quality).max() <= train.iter().map(quality).min(), "JPEG qualities overlap");
    let hand = |s: &[Style]| {
        s.iter().filter_map(|s| s.hand).map(|h| h.jitter).fold((f32::MAX, f32::MIN), |(a, b), v| (a.min(v), b.max(v)))
    };
    assert!(hand(&train).1 <= hand(&held).0, "hand wobble overlaps: {:?} {:?}", hand(&train), hand(&held));
    assert!(
        held.iter().filter(|s| s.kind == Kind::Outline).all(|s| s.hand.is_some()),
        "held-out outlines are all hand-drawn"
    );
}

/// A traced boundary is a closed loop of the part's edge pixels, each next to the one before.
#[test]
fn a_square_is_traced_around_its_edge() {
    let (w, h) = (9, 8);
    let on = |i: usize| (2..7).contains(&(i % w)) && (1..6).contains(&(i / w));
    let m: Vec<bool> = (0..w * h).map(on).collect();
    let mut loops = boundaries(&m, w, h, 1);
    assert_eq!(loops.len(), 1);
    let l = loops.pop().unwrap();
    assert_eq!(l.len(), 16, "a 5x5 square's edge has 16 pixels: {l:?}");
    for (k, &(x, y)) in l.iter().enumerate() {
        let (nx, ny) = l[(k + 1) % l.len()];
        assert!(x.abs_diff(nx) <= 1 && y.abs_diff(ny) <= 1, "step {k}: ({x}, {y}) to ({nx}, {ny})");
        assert!((x == 2 || x == 6 || y == 1 || y == 5) && on(y * w + x), "({x}, {y}) is not on the edge");
    }
    // Two parts, and a speck below the size limit, give two loops.
    let mut two = m.clone();
    two[7 * w] = true;
    two[7 * w + 8] = true;
    two[7 * w + 7] = true;
    assert_eq!(boundaries(&two, w, h, 2).len(), 2);
}

/// Hand-drawn strokes of a real item stay near its edge: within the wobble's few deviations
/// and the overshoot; with no gaps the strokes are one loop.
#[test]
fn hand_drawn_strokes_follow_the_edge() {
    let test = &common::dataset().test;
    let mut rng = SmallRng::seed_from_u64(11);
    for i in 0..20 {
        let (fine, side) = fine_mask(&mask(test.image(i), 5), 0);
        let edge: Vec<(f32, f32)> =
            boundaries(&fine, side, side, 16).concat().iter().map(|&(x, y)| (x as f32 + 0.5, y as f32 + 0.5)).collect();
        let hand = Hand { jitter: 0.4, gap: 0.0, overshoot: 1.0 };
        let strokes = hand_drawn(&boundaries(&fine, side, side, 16)[0], 4, hand, &mut rng);
        assert_eq!(strokes.len(), 1, "image {i}: no gaps asked for");
        let far = strokes[0]
            .iter()
            .map(|&(x, y)| {
                edge.iter().map(|&(ex, ey)| ((x - ex).powi(2) + (y - ey).powi(2)).sqrt()).fold(f32::MAX, f32::min)
            })
            .fold(0f32, f32::max);
        // 4 fine pixels per item pixel: 4 deviations of 0.4 and the overshoot of 1.
        assert!(far < 4.0 * (4.0 * 0.4 + 1.0), "image {i}: a stroke strays {far} fine pixels from the edge");
        let gappy = hand_drawn(&boundaries(&fine, side, side, 16)[0], 4, Hand { gap: 0.3, ..hand }, &mut rng);
        assert!(gappy.len() > 1, "image {i}: a pen that lifts leaves gaps");
    }
}

/// JPEG's quantisation keeps a flat picture flat and its mean level, rings at a sharp edge
/// the more the lower the quality, and at quality 100 changes next to nothing.
#[test]
fn jpeg_artefacts_grow_as_the_quality_falls() {
    let (w, h) = (40, 24);
    let flat = Gray::new(w, h, vec![0.6; w * h]);
    let mut f = flat.clone();
    jpeg_artefacts(&mut f, 20);
    assert!(f.pixels.iter().all(|v| (v - 0.6).abs() < 2.0 / 255.0), "a flat picture changed");
    let edge = Gray::new(w, h, (0..w * h).map(|i| if i % w < 13 { 0.1 } else { 0.9 }).collect());
    let error = |q| {
        let mut g = edge.clone();
        jpeg_artefacts(&mut g, q);
        let mean = |p: &[f32]| p.iter().sum::<f32>() / p.len() as f32;
        assert!((mean(&g.pixels) - mean(&edge.pixels)).abs() < 0.02, "quality {q}: the mean moved");
        g.pixels.iter().zip(&edge.pixels).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max)
    };
    let (best, good, poor) = (error(100), error(75), error(20));
    assert!(best < 0.005 && best < good && good < poor && poor > 0.03, "errors {best} {good} {poor}");
    // The dataset's size is not special: a 28x28 picture has partial blocks at its edges.
    let mut small = Gray::new(IMAGE_SIDE, IMAGE_SIDE, vec![0.5; IMAGE_PIXELS]);
    jpeg_artefacts(&mut small, 50);
    assert!(small.pixels.iter().all(|v| (v - 0.5).abs() < 2.0 / 255.0));
}
