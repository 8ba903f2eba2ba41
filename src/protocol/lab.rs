//! The Lab's messages' parts: the dataset explorer's numbers and pages, and the feature map.

use serde::{Deserialize, Serialize};

use super::Bulk;

/// What the dataset explorer shows before any training (see [`crate::explore`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DatasetView {
    pub train_counts: Vec<u32>,
    pub test_counts: Vec<u32>,
    /// Each class's mean training image, 28x28 each, class 0 first.
    pub means: Bulk<u8>,
    /// Training pixels per intensity bin ([`crate::explore::HISTOGRAM_BINS`] bins over 0..=255).
    pub histogram: Vec<u32>,
}

/// A page of one class's training images.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SamplePage {
    pub class: u8,
    pub page: u32,
    pub pages: u32,
    /// Training images of the class in all.
    pub total: u32,
    pub indices: Bulk<u32>,
    /// Their 28x28 images, one after another.
    pub images: Bulk<u8>,
}

/// The evaluated test images' penultimate features, projected to 2-D.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeatureProjection {
    /// `x, y` per test image, in the order of the test results.
    pub points: Bulk<f32>,
    /// `pca` (the contract's `#feature-map[data-method]`).
    pub method: String,
    /// The share of the features' variance the two axes keep.
    pub explained: f64,
}

/// A refit with the classes of one's own, done.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassesFitted {
    /// CNN + SVM accuracy on the ten classes' test images, before and after.
    pub before: f64,
    pub after: f64,
    pub test_images: u32,
    pub train_images: u32,
    /// Examples of one's own, with their shifted copies.
    pub examples: u32,
    pub seconds: f64,
}
