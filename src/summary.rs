//! A Keras-style summary of each architecture (layer, output shape, parameters), without Burn:
//! the page shows it for the architecture chosen in the form, and its own wasm has no Burn.
//! A native test holds the totals to the parameter counts of the networks `crate::model`
//! builds, so the table cannot drift from the code.

use crate::arch::Arch;
use crate::dataset::{IMAGE_SIDE, NUM_CLASSES};

/// What a layer does, for its row's name.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Layer {
    /// 3×3 convolution with this many filters, then ReLU; `padded`: "same" padding.
    Conv {
        filters: usize,
        padded: bool,
    },
    /// Batch normalisation (then ReLU) over this many channels.
    BatchNorm,
    /// 2×2 max pooling.
    MaxPool,
    Flatten,
    /// Fully connected, with ReLU unless it is the output layer.
    Dense {
        units: usize,
    },
    /// Dropout at this rate (training only).
    Dropout {
        rate: f32,
    },
}

/// One row of the summary.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub layer: Layer,
    /// The output's shape without the batch: `[height, width, channels]` or `[units]`.
    pub output: Vec<usize>,
    /// Trainable parameters (weights and biases; batch norm's scale and shift).
    pub params: usize,
    /// Numbers kept but not trained (batch norm's running mean and variance).
    pub fixed: usize,
}

impl Row {
    pub fn name(&self) -> String {
        match self.layer {
            Layer::Conv { filters, padded } => {
                format!("Conv2D 3×3, {filters} filters{}, ReLU", if padded { ", padded" } else { "" })
            }
            Layer::BatchNorm => "BatchNorm".into(),
            Layer::MaxPool => "MaxPool 2×2".into(),
            Layer::Flatten => "Flatten".into(),
            Layer::Dense { units } if units == NUM_CLASSES => format!("Dense {units} (output)"),
            Layer::Dense { units } => format!("Dense {units}, ReLU"),
            Layer::Dropout { rate } => format!("Dropout {rate}"),
        }
    }

    /// "26 × 26 × 32", or "128".
    pub fn shape(&self) -> String {
        self.output.iter().map(usize::to_string).collect::<Vec<_>>().join(" × ")
    }
}

/// The layers of `arch`, in order, with their shapes and parameter counts.
pub fn summary(arch: Arch) -> Vec<Row> {
    let layers: &[Layer] = match arch {
        Arch::OneConv => &[
            Layer::Conv { filters: 32, padded: false },
            Layer::MaxPool,
            Layer::Flatten,
            Layer::Dense { units: 128 },
            Layer::Dense { units: NUM_CLASSES },
        ],
        Arch::ThreeConv => &[
            Layer::Conv { filters: 32, padded: false },
            Layer::MaxPool,
            Layer::Conv { filters: 64, padded: false },
            Layer::MaxPool,
            Layer::Conv { filters: 64, padded: false },
            Layer::Flatten,
            Layer::Dense { units: 64 },
            Layer::Dense { units: NUM_CLASSES },
        ],
        Arch::BnCnn => &[
            Layer::Conv { filters: 32, padded: true },
            Layer::BatchNorm,
            Layer::MaxPool,
            Layer::Conv { filters: 64, padded: true },
            Layer::BatchNorm,
            Layer::MaxPool,
            Layer::Flatten,
            Layer::Dense { units: 128 },
            Layer::Dropout { rate: 0.3 },
            Layer::Dense { units: NUM_CLASSES },
        ],
    };
    let mut shape = vec![IMAGE_SIDE, IMAGE_SIDE, 1];
    layers
        .iter()
        .map(|&layer| {
            let inputs: usize = shape.iter().product();
            let channels = *shape.last().unwrap_or(&1);
            let (output, params, fixed) = match layer {
                Layer::Conv { filters, padded } => {
                    let side = if padded { shape[0] } else { shape[0] - 2 };
                    (vec![side, side, filters], channels * filters * 9 + filters, 0)
                }
                Layer::BatchNorm => (shape.clone(), 2 * channels, 2 * channels),
                Layer::MaxPool => (vec![shape[0] / 2, shape[1] / 2, channels], 0, 0),
                Layer::Flatten => (vec![inputs], 0, 0),
                Layer::Dense { units } => (vec![units], inputs * units + units, 0),
                Layer::Dropout { .. } => (shape.clone(), 0, 0),
            };
            shape = output.clone();
            Row { layer, output, params, fixed }
        })
        .collect()
}

/// All the numbers of `arch`'s network, trained or kept (batch norm's statistics), as Keras'
/// "Total params" and Burn's `num_params` count them.
pub fn total_params(arch: Arch) -> usize {
    summary(arch).iter().map(|r| r.params + r.fixed).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_models_have_their_published_parameter_counts() {
        assert_eq!(total_params(Arch::OneConv), 693_962);
        assert_eq!(total_params(Arch::ThreeConv), 93_322);
    }

    #[test]
    fn shapes_follow_the_layers() {
        let rows = summary(Arch::ThreeConv);
        let shapes: Vec<String> = rows.iter().map(Row::shape).collect();
        assert_eq!(
            shapes,
            ["26 × 26 × 32", "13 × 13 × 32", "11 × 11 × 64", "5 × 5 × 64", "3 × 3 × 64", "576", "64", "10"]
        );
        let bn = summary(Arch::BnCnn);
        assert_eq!(bn.iter().map(|r| r.fixed).sum::<usize>(), 2 * 32 + 2 * 64);
        assert_eq!(bn.last().map(Row::name).as_deref(), Some("Dense 10 (output)"));
        // The penultimate layer is the SVM's feature vector.
        for arch in Arch::ALL {
            let rows = summary(arch);
            let dense: Vec<&Row> = rows.iter().filter(|r| matches!(r.layer, Layer::Dense { .. })).collect();
            assert_eq!(dense[dense.len() - 2].output, [arch.feature_dim()], "{arch}");
        }
    }
}
