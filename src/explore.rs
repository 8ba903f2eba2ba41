//! The dataset explorer's numbers, computed where the dataset is (the worker) and sent once:
//! each split's class counts, each class's mean image, the pixel-intensity histogram; and the
//! pages of one class's training images.

use crate::dataset::{IMAGE_PIXELS, NUM_CLASSES, Split};
use crate::protocol::{DatasetView, SamplePage};

/// Bins of the intensity histogram over 0..=255 (8 grey levels each).
pub const HISTOGRAM_BINS: usize = 32;

/// Images per page of the sample grid.
pub const SAMPLES_PER_PAGE: usize = 32;

pub fn class_counts(labels: &[u8]) -> Vec<u32> {
    let mut counts = vec![0u32; NUM_CLASSES];
    for &l in labels {
        if let Some(c) = counts.get_mut(usize::from(l)) {
            *c += 1;
        }
    }
    counts
}

/// Each class's mean image (rounded), one after another, class 0 first.
pub fn mean_images(split: &Split) -> Vec<u8> {
    let mut sums = vec![0u64; NUM_CLASSES * IMAGE_PIXELS];
    for (image, &label) in split.images.chunks_exact(IMAGE_PIXELS).zip(&split.labels) {
        let Some(sum) = sums.get_mut(usize::from(label) * IMAGE_PIXELS..(usize::from(label) + 1) * IMAGE_PIXELS) else {
            continue;
        };
        for (s, &p) in sum.iter_mut().zip(image) {
            *s += u64::from(p);
        }
    }
    let counts = class_counts(&split.labels);
    sums.chunks_exact(IMAGE_PIXELS)
        .zip(&counts)
        .flat_map(|(sum, &n)| {
            sum.iter().map(move |&s| if n == 0 { 0 } else { ((s + u64::from(n) / 2) / u64::from(n)) as u8 })
        })
        .collect()
}

/// How many pixels of `images` fall in each of [`HISTOGRAM_BINS`] intensity bins.
pub fn histogram(images: &[u8]) -> Vec<u32> {
    let mut bins = [0u32; 256];
    for &p in images {
        bins[usize::from(p)] += 1;
    }
    let width = 256 / HISTOGRAM_BINS;
    bins.chunks_exact(width).map(|c| c.iter().sum()).collect()
}

/// What the explorer shows before any training.
pub fn view(train: &Split, test: &Split) -> DatasetView {
    DatasetView {
        train_counts: class_counts(&train.labels),
        test_counts: class_counts(&test.labels),
        means: mean_images(train).into(),
        histogram: histogram(&train.images),
    }
}

/// Page `page` (clamped to the last) of the training images of `class`.
pub fn samples(split: &Split, class: u8, page: usize) -> SamplePage {
    let of_class: Vec<usize> = split.labels.iter().enumerate().filter(|(_, l)| **l == class).map(|(i, _)| i).collect();
    let pages = of_class.len().div_ceil(SAMPLES_PER_PAGE).max(1);
    let page = page.min(pages - 1);
    let shown = of_class.iter().skip(page * SAMPLES_PER_PAGE).take(SAMPLES_PER_PAGE);
    let indices: Vec<u32> = shown.clone().map(|&i| i as u32).collect();
    let images: Vec<u8> =
        shown.flat_map(|&i| split.images[i * IMAGE_PIXELS..(i + 1) * IMAGE_PIXELS].iter().copied()).collect();
    SamplePage {
        class,
        page: page as u32,
        pages: pages as u32,
        total: of_class.len() as u32,
        indices: indices.into(),
        images: images.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split() -> Split {
        // Three images: class 1 all 10, class 1 all 30, class 4 all 255.
        let images = [vec![10u8; IMAGE_PIXELS], vec![30; IMAGE_PIXELS], vec![255; IMAGE_PIXELS]].concat();
        Split::new(images, vec![1, 1, 4]).unwrap()
    }

    #[test]
    fn counts_means_and_histogram() {
        let s = split();
        assert_eq!(class_counts(&s.labels), [0, 2, 0, 0, 1, 0, 0, 0, 0, 0]);
        let means = mean_images(&s);
        assert_eq!(means.len(), NUM_CLASSES * IMAGE_PIXELS);
        assert_eq!(means[IMAGE_PIXELS], 20);
        assert_eq!(means[4 * IMAGE_PIXELS + 5], 255);
        assert_eq!(means[0], 0);
        let h = histogram(&s.images);
        assert_eq!(h.len(), HISTOGRAM_BINS);
        assert_eq!((h[1], h[3], h[31]), (IMAGE_PIXELS as u32, IMAGE_PIXELS as u32, IMAGE_PIXELS as u32));
        assert_eq!(h.iter().sum::<u32>(), 3 * IMAGE_PIXELS as u32);
    }

    #[test]
    fn sample_pages_hold_only_that_class_and_clamp() {
        let labels: Vec<u8> = (0..100).map(|i| (i % 3) as u8).collect();
        let images: Vec<u8> = (0..100).flat_map(|i| vec![i as u8; IMAGE_PIXELS]).collect();
        let s = Split::new(images, labels).unwrap();
        let first = samples(&s, 2, 0);
        assert_eq!((first.total, first.pages), (33, 2));
        assert_eq!(first.indices.len(), SAMPLES_PER_PAGE);
        assert!(first.indices.iter().all(|&i| i % 3 == 2));
        assert_eq!(first.images[IMAGE_PIXELS], first.indices[1] as u8);
        let last = samples(&s, 2, 99);
        assert_eq!((last.page, last.indices.len()), (1, 1));
        assert_eq!(samples(&s, 7, 0).total, 0);
    }
}
