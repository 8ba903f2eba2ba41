//! Shuffled mini-batches: which images go together, and their pixels as normalised `f32`.

use crate::augment::Augmentation;
use crate::dataset::{IMAGE_PIXELS, Split};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

/// Fashion-MNIST's training-set pixel mean and standard deviation (on the 0..1 scale); inputs
/// are standardised with them so every architecture starts from well-scaled activations.
pub const PIXEL_MEAN: f32 = 0.2860;
pub const PIXEL_STD: f32 = 0.3530;

/// Turns a `u8` pixel into the model's input scale.
#[inline]
pub fn normalize(pixel: u8) -> f32 {
    (pixel as f32 / 255.0 - PIXEL_MEAN) / PIXEL_STD
}

/// A batch ready for the model: `len * 784` standardised pixels and `len` labels.
#[derive(Clone, Debug, PartialEq)]
pub struct Batch {
    pub pixels: Vec<f32>,
    pub labels: Vec<i64>,
}

impl Batch {
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Consecutive parts of `sizes` images each (which sum to the batch's size): the shards of
    /// a data-parallel step.
    pub fn split(&self, sizes: &[usize]) -> Vec<Batch> {
        let mut at = 0;
        sizes
            .iter()
            .map(|&n| {
                let part = Batch {
                    pixels: self.pixels[at * IMAGE_PIXELS..(at + n) * IMAGE_PIXELS].to_vec(),
                    labels: self.labels[at..at + n].to_vec(),
                };
                at += n;
                part
            })
            .collect()
    }

    /// Gathers the listed items of `split`, shifted and flipped at random when `rng` is given.
    pub fn gather(split: &Split, indices: &[usize], rng: Option<&mut impl Rng>) -> Self {
        match rng {
            Some(rng) => {
                Self::gather_augmented(split, indices, &Augmentation { shift: true, flip: true, sketch: 0.0 }, rng)
            }
            None => Self::gather_augmented(
                split,
                indices,
                &Augmentation::default(),
                &mut rand::rngs::SmallRng::seed_from_u64(0),
            ),
        }
    }

    /// Gathers the listed items of `split` with the given augmentations.
    pub fn gather_augmented(split: &Split, indices: &[usize], augmentation: &Augmentation, rng: &mut impl Rng) -> Self {
        let mut pixels = Vec::with_capacity(indices.len() * IMAGE_PIXELS);
        let mut scratch = [0u8; IMAGE_PIXELS];
        for &i in indices {
            let src = split.image(i);
            let img = if augmentation.is_on() {
                augmentation.apply(src, &mut scratch, rng);
                &scratch[..]
            } else {
                src
            };
            pixels.extend(img.iter().map(|&p| normalize(p)));
        }
        let labels = indices.iter().map(|&i| split.labels[i] as i64).collect();
        Self { pixels, labels }
    }
}

/// One epoch's order: a fresh permutation of `0..n`, cut into batches of `batch_size` (the last
/// one may be smaller; none is empty).
pub fn epoch_batches(n: usize, batch_size: usize, rng: &mut impl Rng) -> Vec<Vec<usize>> {
    assert!(batch_size > 0, "batch size must be positive");
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(rng);
    order.chunks(batch_size).map(<[usize]>::to_vec).collect()
}

/// Sequential, unshuffled batches over `0..n`, for evaluation.
pub fn sequential_batches(n: usize, batch_size: usize) -> impl Iterator<Item = std::ops::Range<usize>> {
    (0..n).step_by(batch_size.max(1)).map(move |start| start..(start + batch_size).min(n))
}
