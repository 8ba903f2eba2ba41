//! Training-time augmentation on `u8` images: small random shifts and horizontal flips
//! (Fashion-MNIST items are centred and mostly left-right symmetric, so both keep the label),
//! and made-up pictures of an item (a photo, a silhouette, an outline) as the sketch pad
//! prepares them, which is what people give the pad and what no dataset image looks like.

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
            dst[(y * side + x) as usize] =
                if (0..side).contains(&sx) && (0..side).contains(&sy) { src[(sy * side + sx) as usize] } else { 0 };
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
/// probability one half (what `augment=1` does to each image).
pub fn augment(src: &[u8], dst: &mut [u8], rng: &mut impl Rng) {
    Augmentation { shift: true, flip: true, sketch: 0.0 }.apply(src, dst, rng);
}

/// Which augmentations a training run applies.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Augmentation {
    /// Random shifts of up to [`MAX_SHIFT`] pixels.
    pub shift: bool,
    /// Horizontal flips with probability one half.
    pub flip: bool,
    /// Probability of replacing an image by a made-up picture of it ([`picture_of`]).
    pub sketch: f64,
}

impl Augmentation {
    pub fn is_on(&self) -> bool {
        self.shift || self.flip || self.sketch > 0.0
    }

    /// Writes the augmented `src` to `dst`.
    pub fn apply(&self, src: &[u8], dst: &mut [u8], rng: &mut impl Rng) {
        if self.sketch > 0.0 && rng.random_bool(self.sketch.min(1.0)) {
            picture_of(src, dst, rng);
        } else {
            dst.copy_from_slice(src);
        }
        // Shift and flip are drawn separately so that `shift=1` alone leaves every shoe pointing
        // left, as all of Fashion-MNIST's do (flips are the likely reason `augment=1` hurts).
        if self.shift {
            let unmoved: [u8; IMAGE_PIXELS] = dst.try_into().expect("a 28x28 image");
            let dx = rng.random_range(-MAX_SHIFT..=MAX_SHIFT);
            let dy = rng.random_range(-MAX_SHIFT..=MAX_SHIFT);
            shift(&unmoved, dst, dx, dy);
        }
        if self.flip && rng.random_bool(0.5) {
            flip_horizontal(dst);
        }
    }
}

/// Sides of the pictures made for training: small, to keep an epoch's thousands of them
/// cheap (the preprocessing works at up to 256 pixels a side in any case).
const TRAINING_PICTURE_SIDES: (usize, usize) = (64, 160);

/// A picture of `src` from the generator's training family (a photo, a silhouette or an
/// outline, any style its ranges allow), prepared as the pad prepares an upload: what the
/// model sees when people show it pictures.
pub fn picture_of(src: &[u8], dst: &mut [u8], rng: &mut impl Rng) {
    use crate::pictures::{Family, Kind, Style, render_style};
    let kind = Kind::ALL[rng.random_range(0..Kind::ALL.len())];
    let style = Style::draw_sized(kind, Family::Training, TRAINING_PICTURE_SIDES, rng);
    let prepared = crate::sketch::prepare(&render_style(src, &style, rng));
    dst.copy_from_slice(&prepared.image);
}
