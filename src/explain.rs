//! What the CNN makes of one image, and why: class probabilities, the penultimate features
//! (for the SVM and the similarity search), a heatmap of what the answer depends on, and the
//! first layer's activation maps.
//!
//! The heatmap is an occlusion map (Zeiler & Fergus, 2014): the image is run again with a 9x9
//! patch blacked out at each of 10x10 places, in one batch, and each place is marked by how
//! much that lowered the probability of the CNN's answer. It measures what it shows, for one
//! extra batch of 100 images. Gradient maps were tried first and failed the occlusion test in
//! `tests/explain.rs` on a briefly trained bn-cnn: blacking out the patch that Grad-CAM (on the
//! 14x14 maps) rated highest cost the answer less probability than blacking out a random patch
//! of the item (0.09 against 0.12), and |gradient x input| did no better than random.

use burn::prelude::*;

use crate::batch::normalize;
use crate::dataset::{IMAGE_PIXELS, IMAGE_SIDE, NUM_CLASSES};
use crate::model::Model;
use crate::svm::SvmClassifier;
// One argmax for the crate, so the CNN's class and the SVM's break ties alike; it lives in
// `svm`, which has no Burn in it, so the page can use it too.
pub use crate::svm::argmax;

/// A stack of square maps, `count * side * side` values, row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct Maps {
    pub count: usize,
    pub side: usize,
    pub values: Vec<f32>,
}

#[derive(Clone, Debug)]
pub struct Explanation {
    /// The CNN head's softmax.
    pub probabilities: [f32; NUM_CLASSES],
    /// Penultimate features, what the SVM and the nearest-neighbour search see.
    pub features: Vec<f32>,
    /// The first convolution's activation maps.
    pub first: Maps,
}

impl Explanation {
    pub fn cnn_class(&self) -> usize {
        argmax(&self.probabilities)
    }
}

async fn read<const D: usize>(t: Tensor<D>, what: &str) -> Result<Vec<f32>, String> {
    let data = t.into_data_async().await.map_err(|e| format!("reading {what}: {e:?}"))?;
    data.convert::<f32>().try_to_vec::<f32>().map_err(|e| format!("{what}: {e:?}"))
}

/// Patch centres of the occlusion map: a 10x10 grid, 3 pixels apart.
const GRID: usize = 10;
/// Patches are 9x9, so neighbouring ones overlap and every pixel is covered.
const PATCH_RADIUS: isize = 4;

fn input(image: &[u8], device: &Device) -> (Vec<f32>, Tensor<4>) {
    assert_eq!(image.len(), IMAGE_PIXELS, "a 28x28 image");
    let pixels: Vec<f32> = image.iter().map(|&p| normalize(p)).collect();
    let tensor = Tensor::<4>::from_data(TensorData::new(pixels.clone(), [1, 1, IMAGE_SIDE, IMAGE_SIDE]), device);
    (pixels, tensor)
}

/// Runs `model` on one 28x28 image (the dataset's format, light on black).
pub async fn explain(model: &Model, image: &[u8], device: &Device) -> Result<Explanation, String> {
    let (_, input) = input(image, device);
    let first = model.first_maps(input);
    let [_, first_count, first_side, _] = first.dims();
    let features = model.features_from_first(first.clone());
    let logits = model.head(features.clone());
    let logit_values = read(logits, "class scores").await?;
    let features = read(features, "features").await?;
    let first = Maps { count: first_count, side: first_side, values: read(first, "first-layer maps").await? };
    Ok(Explanation { probabilities: softmax(&logit_values), features, first })
}

/// The occlusion heatmap for `class` over the 28x28 input, 0..1: how much hiding each region
/// lowers the CNN head's probability of the class, relative to the region that matters most
/// (all zero when hiding nothing lowers it). Its own call, so the page can show the answer
/// before it.
pub async fn occlusion(model: &Model, image: &[u8], class: usize, device: &Device) -> Result<Vec<f32>, String> {
    occlusion_by(model, None, image, class, device).await
}

/// [`occlusion`] of the answer the page shows: with an SVM, of the drop in the SVM's margin
/// for `class` (the headline answer is the SVM's then, and the heatmap is to explain it).
pub async fn occlusion_by(
    model: &Model,
    svm: Option<&SvmClassifier>,
    image: &[u8],
    class: usize,
    device: &Device,
) -> Result<Vec<f32>, String> {
    let (pixels, input) = input(image, device);
    let black = normalize(0);
    let mut occluded = Vec::with_capacity(GRID * GRID * IMAGE_PIXELS);
    for cy in 0..GRID as isize {
        for cx in 0..GRID as isize {
            let (cx, cy) = (1 + 3 * cx, 1 + 3 * cy);
            occluded.extend(pixels.iter().enumerate().map(|(p, &v)| {
                let (x, y) = ((p % IMAGE_SIDE) as isize, (p / IMAGE_SIDE) as isize);
                if (x - cx).abs() <= PATCH_RADIUS && (y - cy).abs() <= PATCH_RADIUS { black } else { v }
            }));
        }
    }
    // The unoccluded image goes in the same batch, so both see identical arithmetic.
    let occluded = Tensor::<4>::from_data(TensorData::new(occluded, [GRID * GRID, 1, IMAGE_SIDE, IMAGE_SIDE]), device);
    let batch = Tensor::cat(vec![input, occluded], 0);
    let scores: Vec<f32> = match svm {
        None => {
            let logits = read(model.forward(batch), "occlusion scores").await?;
            logits.chunks_exact(NUM_CLASSES).map(|l| softmax(l)[class]).collect()
        }
        Some(svm) => {
            let features = model.features(batch);
            let dim = features.dims()[1];
            let features = read(features, "occlusion features").await?;
            features.chunks_exact(dim).map(|f| svm.scores(f)[class]).collect()
        }
    };
    let (base, rest) = scores.split_first().ok_or("no occlusion scores")?;
    let drops: Vec<f32> = rest.iter().map(|s| (base - s).max(0.0)).collect();
    let heat = stretch(&drops, GRID);
    let peak = heat.iter().copied().fold(0.0, f32::max);
    Ok(if peak > 0.0 { heat.iter().map(|h| h / peak).collect() } else { heat })
}

/// The first convolution's kernels, one 3x3 map each.
pub async fn first_filters(model: &Model) -> Result<Maps, String> {
    let weights = model.first_filters();
    let [count, _, side, _] = weights.dims();
    Ok(Maps { count, side, values: read(weights, "filters").await? })
}

pub fn softmax(logits: &[f32]) -> [f32; NUM_CLASSES] {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exp: Vec<f32> = logits.iter().map(|&l| (l - max).exp()).collect();
    let sum: f32 = exp.iter().sum();
    std::array::from_fn(|i| exp.get(i).map_or(0.0, |e| e / sum))
}

/// The `grid`x`grid` occlusion values (patch centres 1, 4, 7, ... pixels in) interpolated
/// bilinearly over the 28x28 image.
fn stretch(map: &[f32], grid: usize) -> Vec<f32> {
    let at = |x: usize, y: usize| map[y * grid + x];
    let coord = |p: usize| {
        let s = ((p as f32 - 1.0) / 3.0).clamp(0.0, (grid - 1) as f32);
        let i = (s.floor() as usize).min(grid - 2);
        (i, s - i as f32)
    };
    let mut out = vec![0f32; IMAGE_PIXELS];
    for y in 0..IMAGE_SIDE {
        let (y0, ty) = coord(y);
        for x in 0..IMAGE_SIDE {
            let (x0, tx) = coord(x);
            out[y * IMAGE_SIDE + x] = (at(x0, y0) * (1.0 - tx) + at(x0 + 1, y0) * tx) * (1.0 - ty)
                + (at(x0, y0 + 1) * (1.0 - tx) + at(x0 + 1, y0 + 1) * tx) * ty;
        }
    }
    out
}
