//! Training-time augmentation on `u8` images: small random shifts and horizontal flips.
//! Fashion-MNIST items are centred and mostly left-right symmetric, so both keep the label.

use crate::dataset::{IMAGE_PIXELS, IMAGE_SIDE};
use rand::Rng;

/// Largest shift, in pixels, in each direction.
pub const MAX_SHIFT: i32 = 2;

/// Copies `src` into `dst` moved by `(dx, dy)` pixels, filling the uncovered border with
/// black (0), which is the dataset's background.
pub fn shift(src: &[u8], dst: &mut [u8], dx: i32, dy: i32) {
    let side = IMAGE_SIDE as i32;
    for y in 0..side {
        for x in 0..side {
            let (sx, sy) = (x - dx, y - dy);
            dst[(y * side + x) as usize] = if (0..side).contains(&sx) && (0..side).contains(&sy) {
                src[(sy * side + sx) as usize]
            } else {
                0
            };
        }
    }
}

/// Mirrors an image left to right, in place.
pub fn flip_horizontal(img: &mut [u8]) {
    for row in img.chunks_exact_mut(IMAGE_SIDE) {
        row.reverse();
    }
}

/// One random augmentation: a shift of up to [`MAX_SHIFT`] pixels each way and a flip with
/// probability one half.
pub fn augment(src: &[u8], dst: &mut [u8], rng: &mut impl Rng) {
    debug_assert_eq!(src.len(), IMAGE_PIXELS);
    let dx = rng.random_range(-MAX_SHIFT..=MAX_SHIFT);
    let dy = rng.random_range(-MAX_SHIFT..=MAX_SHIFT);
    shift(src, dst, dx, dy);
    if rng.random_bool(0.5) {
        flip_horizontal(dst);
    }
}
