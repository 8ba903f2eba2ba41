//! Sketch and photo preprocessing on synthetic pictures made from real Fashion-MNIST test
//! images: the item drawn large, off-centre, on dark, light and unevenly lit backgrounds, or as
//! an outline only. The 28x28 result must look like the original image.
#![cfg(not(target_arch = "wasm32"))]
mod common;

use fashion_cnn::dataset::{IMAGE_PIXELS, IMAGE_SIDE};
use fashion_cnn::pictures::{self, silhouette};
use fashion_cnn::sketch::{Gray, SummedArea, prepare};

fn enlarged(img: &[u8], scale: usize) -> Gray {
    pictures::enlarged(img, scale as f32)
}

/// `item` (coverage) at (`left`, `top`) in a `w`x`h` picture with background `bg(x, y)` and
/// the item's colour `ink`.
fn compose(
    item: &Gray,
    w: usize,
    h: usize,
    left: usize,
    top: usize,
    bg: impl Fn(usize, usize) -> f32,
    ink: f32,
) -> Gray {
    pictures::compose(item, w, h, left, top, |x, y, c| bg(x, y) * (1.0 - c) + ink * c)
}

/// A 3x3 box blur: the comparison is about shape, placement and shading, not about
/// one-pixel stripes that no resampling to 28x28 can keep in phase.
fn blur(img: &[u8]) -> Vec<u8> {
    let s = IMAGE_SIDE as isize;
    (0..IMAGE_PIXELS as isize)
        .map(|i| {
            let (x, y) = (i % s, i / s);
            let mut sum = 0u32;
            for dy in -1..=1 {
                for dx in -1..=1 {
                    let (nx, ny) = (x + dx, y + dy);
                    if nx >= 0 && ny >= 0 && nx < s && ny < s {
                        sum += img[(ny * s + nx) as usize] as u32;
                    }
                }
            }
            (sum / 9) as u8
        })
        .collect()
}

/// Pearson correlation of two 28x28 images, after a light blur of both.
fn similarity(a: &[u8], b: &[u8]) -> f64 {
    common::correlation(&blur(a), &blur(b))
}

/// Extent of the pixels above `level`: (width, height, centre x, centre y).
fn extent(img: &[u8], level: u8) -> (usize, usize, f32, f32) {
    let on: Vec<(usize, usize)> =
        (0..IMAGE_PIXELS).filter(|&i| img[i] > level).map(|i| (i % IMAGE_SIDE, i / IMAGE_SIDE)).collect();
    let (x0, x1) = (on.iter().map(|p| p.0).min().unwrap(), on.iter().map(|p| p.0).max().unwrap());
    let (y0, y1) = (on.iter().map(|p| p.1).min().unwrap(), on.iter().map(|p| p.1).max().unwrap());
    (x1 - x0 + 1, y1 - y0 + 1, (x0 + x1) as f32 / 2.0, (y0 + y1) as f32 / 2.0)
}

/// Test images with some margin inside their 28x28 frame (the preprocessing centres and scales
/// what it finds, so the comparison is fair only where the original is itself centred and
/// fills its frame in one direction): one per class.
fn samples() -> Vec<(usize, &'static [u8])> {
    let test = &common::dataset().test;
    let mut out = Vec::new();
    for class in 0..10u8 {
        let i = (0..test.len()).find(|&i| test.labels[i] == class).unwrap();
        out.push((i, test.image(i)));
    }
    out
}

fn check_like_original(name: &str, picture: impl Fn(&[u8]) -> Gray, min_corr: f64, expect_inverted: bool) {
    for (i, original) in samples() {
        let p = prepare(&picture(original));
        assert!(!p.empty, "{name}, test image {i}: nothing found");
        assert_eq!(p.inverted, expect_inverted, "{name}, test image {i}: polarity");
        let corr = similarity(&p.image, original);
        assert!(corr > min_corr, "{name}, test image {i}: correlation {corr:.3} with the original");
        let (w, h, cx, cy) = extent(&p.image, 40);
        assert!(w.max(h) >= 25, "{name}, test image {i}: longest side {w}x{h} should fill the frame");
        assert!((cx - 13.5).abs() <= 1.5 && (cy - 13.5).abs() <= 1.5, "{name}, test image {i}: centred at {cx},{cy}");
        let corners = [0, IMAGE_SIDE - 1, IMAGE_PIXELS - IMAGE_SIDE, IMAGE_PIXELS - 1];
        assert!(corners.iter().all(|&c| p.image[c] < 30), "{name}, test image {i}: background not black");
    }
}

#[test]
fn light_item_off_centre_on_black() {
    check_like_original(
        "off-centre",
        |img| compose(&enlarged(img, 4), 300, 240, 170, 20, |_, _| 0.0, 1.0),
        0.85,
        false,
    );
}

#[test]
fn dark_item_on_white_paper_is_inverted() {
    check_like_original("inverted", |img| compose(&enlarged(img, 5), 320, 320, 40, 90, |_, _| 1.0, 0.0), 0.85, true);
}

#[test]
fn item_on_a_light_background_with_uneven_lighting() {
    // Light grey paper lit from the left: 0.95 down to 0.55 across the picture, a dark item.
    let bg = |x: usize, y: usize| 0.95 - 0.4 * x as f32 / 400.0 + 0.03 * (y as f32 / 300.0);
    check_like_original("gradient", |img| compose(&enlarged(img, 6), 400, 300, 150, 60, bg, 0.1), 0.85, true);
}

#[test]
fn large_photos_are_reduced_first() {
    check_like_original("large", |img| compose(&enlarged(img, 40), 1400, 1300, 200, 100, |_, _| 0.9, 0.2), 0.85, true);
}

#[test]
fn a_drawn_outline_is_filled_in() {
    // Only the boundary of each garment's silhouette, drawn in dark pen on white.
    for (i, original) in samples() {
        let mask = silhouette(original);
        let edge: Vec<u8> = (0..IMAGE_PIXELS)
            .map(|k| {
                let (x, y) = (k % IMAGE_SIDE, k / IMAGE_SIDE);
                let outside = |dx: isize, dy: isize| {
                    let (nx, ny) = (x as isize + dx, y as isize + dy);
                    nx < 0
                        || ny < 0
                        || nx >= IMAGE_SIDE as isize
                        || ny >= IMAGE_SIDE as isize
                        || !mask[ny as usize * IMAGE_SIDE + nx as usize]
                };
                let on_edge = mask[k] && (outside(1, 0) || outside(-1, 0) || outside(0, 1) || outside(0, -1));
                if on_edge { 255 } else { 0 }
            })
            .collect();
        let p = prepare(&compose(&enlarged(&edge, 8), 300, 300, 30, 40, |_, _| 1.0, 0.0));
        assert!(p.filled_outline, "test image {i}: the outline was not recognised");
        // The filled silhouette covers what the original garment covers.
        let a: Vec<bool> = p.image.iter().map(|&v| v > 60).collect();
        let inter = a.iter().zip(&mask).filter(|(x, y)| **x && **y).count();
        let union = a.iter().zip(&mask).filter(|(x, y)| **x || **y).count();
        let iou = inter as f64 / union as f64;
        assert!(iou > 0.7, "test image {i}: filled outline overlaps the garment by IoU {iou:.2}");
    }
}

#[test]
fn a_solid_item_is_not_mistaken_for_an_outline() {
    for (i, original) in samples() {
        let p = prepare(&compose(&enlarged(original, 5), 300, 300, 60, 60, |_, _| 1.0, 0.0));
        assert!(!p.filled_outline, "test image {i}");
    }
}

#[test]
fn an_empty_canvas_says_so() {
    for level in [0.0, 1.0, 0.5] {
        let p = prepare(&Gray::new(200, 150, vec![level; 200 * 150]));
        assert!(p.empty && p.image.iter().all(|&v| v == 0));
    }
    // Uneven lighting alone is not an item either.
    let lit = Gray::new(200, 150, (0..200 * 150).map(|i| 0.5 + 0.4 * (i % 200) as f32 / 200.0).collect());
    assert!(prepare(&lit).empty);
}

#[test]
fn rgba_transparent_pixels_are_white_paper() {
    let rgba = [0u8, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 128, 128, 128, 255];
    let g = Gray::from_rgba(2, 2, &rgba).unwrap();
    assert_eq!(g.pixels[0], 1.0);
    assert_eq!(g.pixels[1], 0.0);
    assert_eq!(g.pixels[2], 1.0);
    assert!((g.pixels[3] - 0.502).abs() < 0.01);
}

/// A thick pen line from `a` to `b` on `g` (dark ink on white).
fn line(g: &mut Gray, a: (f32, f32), b: (f32, f32), width: f32) {
    for y in 0..g.height {
        for x in 0..g.width {
            let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
            let (dx, dy) = (b.0 - a.0, b.1 - a.1);
            let t = (((px - a.0) * dx + (py - a.1) * dy) / (dx * dx + dy * dy).max(1e-9)).clamp(0.0, 1.0);
            let (cx, cy) = (a.0 + t * dx, a.1 + t * dy);
            if (px - cx).powi(2) + (py - cy).powi(2) <= (width / 2.0).powi(2) {
                g.pixels[y * g.width + x] = 0.0;
            }
        }
    }
}

#[test]
fn an_open_drawing_is_not_filled() {
    // Trousers as people draw them: a waistband and two legs, open at the bottom.
    let mut g = Gray::new(280, 280, vec![1.0; 280 * 280]);
    line(&mut g, (84.0, 34.0), (196.0, 34.0), 12.0);
    line(&mut g, (84.0, 34.0), (70.0, 252.0), 12.0);
    line(&mut g, (196.0, 34.0), (210.0, 252.0), 12.0);
    let p = prepare(&g);
    assert!(!p.empty && p.inverted);
    assert!(!p.filled_outline, "an open shape has no inside to fill");
}

#[test]
fn a_closed_drawing_is_filled() {
    // A bag as people draw it on the pad (280 pixels, 12-pixel brush): a box and a handle.
    let mut g = Gray::new(280, 280, vec![1.0; 280 * 280]);
    let (l, r, t, b) = (56.0, 224.0, 112.0, 238.0);
    for (a, c) in [((l, t), (r, t)), ((r, t), (r, b)), ((r, b), (l, b)), ((l, b), (l, t))] {
        line(&mut g, a, c, 12.0);
    }
    line(&mut g, (98.0, t), (112.0, 56.0), 12.0);
    line(&mut g, (112.0, 56.0), (168.0, 56.0), 12.0);
    line(&mut g, (168.0, 56.0), (182.0, t), 12.0);
    let p = prepare(&g);
    assert!(p.filled_outline, "a closed outline is filled");
}

/// Counts over every box, clipped or empty ones too, against counting pixel by pixel.
#[test]
fn summed_area_counts_match_counting_pixels() {
    use rand::{Rng, SeedableRng};
    let (w, h) = (9, 7);
    let mut rng = rand::rngs::SmallRng::seed_from_u64(3);
    let mask: Vec<bool> = (0..w * h).map(|_| rng.random_bool(0.6)).collect();
    let sums = SummedArea::new(&mask, w, h);
    let at = |x: usize, y: usize| x < w && y < h && mask[y * w + x];
    for (y0, y1) in (0..h + 2).flat_map(|a| (0..h + 3).map(move |b| (a, b))) {
        for (x0, x1) in (0..w + 2).flat_map(|a| (0..w + 3).map(move |b| (a, b))) {
            let slow = (y0..y1).flat_map(|y| (x0..x1).map(move |x| (x, y))).filter(|&(x, y)| at(x, y)).count();
            assert_eq!(sums.count(x0, y0, x1, y1) as usize, slow, "box {x0}..{x1} x {y0}..{y1}");
        }
    }
    for (x, y, r) in (0..w).flat_map(|x| (0..h).flat_map(move |y| (0..3).map(move |r| (x, y, r)))) {
        let slow = x >= r && y >= r && (y - r..=y + r).all(|yy| (x - r..=x + r).all(|xx| at(xx, yy)));
        assert_eq!(sums.covers(x, y, r), slow, "({x}, {y}) radius {r}");
    }
}

#[test]
fn an_outline_is_the_band_along_the_edge() {
    // A 7x7 square at (2, 2) in an 11x11 picture: a pen of 1 leaves its outer ring, 24 pixels.
    let in_square = |i: usize| (2..9).contains(&(i % 11)) && (2..9).contains(&(i / 11));
    let square = Gray::new(11, 11, (0..121).map(|i| if in_square(i) { 1.0 } else { 0.0 }).collect());
    let ring = pictures::outline(&square, 1);
    let on = |x: usize, y: usize| ring.pixels[y * 11 + x] == 1.0;
    assert_eq!(ring.pixels.iter().filter(|&&v| v == 1.0).count(), 24);
    assert!(on(2, 2) && on(8, 5) && on(5, 8) && !on(3, 3) && !on(5, 5) && !on(1, 5));
    // Where the item meets the picture's edge the band runs along that edge too.
    let full = pictures::outline(&Gray::new(5, 5, vec![1.0; 25]), 1);
    assert_eq!(full.pixels.iter().filter(|&&v| v == 1.0).count(), 16);
}
