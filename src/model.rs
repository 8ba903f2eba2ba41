//! The CNN architectures. Each exposes its penultimate features (after their ReLU: what the
//! SVM is fitted on) and a linear head on top of them. Burn 0.22 dispatches on the device at
//! run time, so one model type serves the CPU and WebGPU backends alike.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Dropout, DropoutConfig, Linear, LinearConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::relu;

use crate::dataset::{IMAGE_SIDE, NUM_CLASSES};

pub use crate::arch::Arch;

impl Arch {
    /// A freshly initialised network of this architecture on `device`.
    pub fn init(self, device: &Device) -> Model {
        match self {
            Arch::OneConv => Model::OneConv(OneConv::new(device)),
            Arch::ThreeConv => Model::ThreeConv(ThreeConv::new(device)),
            Arch::BnCnn => Model::BnCnn(BnCnn::new(device)),
        }
    }
}

fn conv(c_in: usize, c_out: usize, padded: bool, device: &Device) -> Conv2d {
    let padding = if padded { PaddingConfig2d::Same } else { PaddingConfig2d::Valid };
    Conv2dConfig::new([c_in, c_out], [3, 3]).with_padding(padding).init(device)
}

fn pool2() -> MaxPool2d {
    MaxPool2dConfig::new([2, 2]).init()
}

#[derive(Module, Debug)]
pub struct OneConv {
    conv: Conv2d,
    pool: MaxPool2d,
    fc: Linear,
    out: Linear,
}

impl OneConv {
    const SIDE: usize = (IMAGE_SIDE - 2) / 2; // 13

    pub fn new(device: &Device) -> Self {
        Self {
            conv: conv(1, 32, false, device),
            pool: pool2(),
            fc: LinearConfig::new(32 * Self::SIDE * Self::SIDE, 128).init(device),
            out: LinearConfig::new(128, NUM_CLASSES).init(device),
        }
    }

    fn first(&self, x: Tensor<4>) -> Tensor<4> {
        relu(self.conv.forward(x))
    }

    fn rest(&self, first: Tensor<4>) -> Tensor<2> {
        relu(self.fc.forward(self.pool.forward(first).flatten(1, 3)))
    }
}

#[derive(Module, Debug)]
pub struct ThreeConv {
    conv1: Conv2d,
    conv2: Conv2d,
    conv3: Conv2d,
    pool: MaxPool2d,
    fc: Linear,
    out: Linear,
}

impl ThreeConv {
    pub fn new(device: &Device) -> Self {
        Self {
            conv1: conv(1, 32, false, device),
            conv2: conv(32, 64, false, device),
            conv3: conv(64, 64, false, device),
            pool: pool2(),
            // 28 → 26 → 13 → 11 → 5 → 3
            fc: LinearConfig::new(64 * 3 * 3, 64).init(device),
            out: LinearConfig::new(64, NUM_CLASSES).init(device),
        }
    }

    fn first(&self, x: Tensor<4>) -> Tensor<4> {
        relu(self.conv1.forward(x))
    }

    fn rest(&self, first: Tensor<4>) -> Tensor<2> {
        let x = self.pool.forward(relu(self.conv2.forward(self.pool.forward(first))));
        let x = relu(self.conv3.forward(x));
        relu(self.fc.forward(x.flatten(1, 3)))
    }
}

/// Padded convolutions keep the garment's edges in play; batch norm lets Adam use a larger
/// step; dropout on the 128 features keeps them from memorising, which also helps the SVM.
#[derive(Module, Debug)]
pub struct BnCnn {
    conv1: Conv2d,
    bn1: BatchNorm,
    conv2: Conv2d,
    bn2: BatchNorm,
    pool: MaxPool2d,
    fc: Linear,
    dropout: Dropout,
    out: Linear,
}

impl BnCnn {
    pub fn new(device: &Device) -> Self {
        Self {
            conv1: conv(1, 32, true, device),
            bn1: BatchNormConfig::new(32).init(device),
            conv2: conv(32, 64, true, device),
            bn2: BatchNormConfig::new(64).init(device),
            pool: pool2(),
            // 28 → 14 → 7
            fc: LinearConfig::new(64 * 7 * 7, 128).init(device),
            dropout: DropoutConfig::new(0.3).init(),
            out: LinearConfig::new(128, NUM_CLASSES).init(device),
        }
    }

    fn first(&self, x: Tensor<4>) -> Tensor<4> {
        relu(self.bn1.forward(self.conv1.forward(x)))
    }

    fn rest(&self, first: Tensor<4>) -> Tensor<2> {
        let x = self.pool.forward(relu(self.bn2.forward(self.conv2.forward(self.pool.forward(first)))));
        relu(self.fc.forward(x.flatten(1, 3)))
    }
}

/// Any of the architectures, as one module the optimizer and the record format can handle.
// The variants are the networks themselves, held once per model: boxing them would only add
// an indirection to every forward pass.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum Model {
    OneConv(OneConv),
    ThreeConv(ThreeConv),
    BnCnn(BnCnn),
}

impl Model {
    pub fn arch(&self) -> Arch {
        match self {
            Model::OneConv(_) => Arch::OneConv,
            Model::ThreeConv(_) => Arch::ThreeConv,
            Model::BnCnn(_) => Arch::BnCnn,
        }
    }

    /// Penultimate activations, `[batch, feature_dim]`, for images `[batch, 1, 28, 28]`.
    pub fn features(&self, images: Tensor<4>) -> Tensor<2> {
        self.features_from_first(self.first_maps(images))
    }

    /// The first convolution's output after its activation, `[batch, 32, side, side]`.
    pub fn first_maps(&self, images: Tensor<4>) -> Tensor<4> {
        match self {
            Model::OneConv(m) => m.first(images),
            Model::ThreeConv(m) => m.first(images),
            Model::BnCnn(m) => m.first(images),
        }
    }

    /// Penultimate features from [`Model::first_maps`]'s output: the sketch pad shows the
    /// first layer's maps and classifies from the same pass.
    pub fn features_from_first(&self, first: Tensor<4>) -> Tensor<2> {
        match self {
            Model::OneConv(m) => m.rest(first),
            Model::ThreeConv(m) => m.rest(first),
            Model::BnCnn(m) => m.rest(first),
        }
    }

    /// The first convolution's kernels, `[32, 1, 3, 3]`.
    pub fn first_filters(&self) -> Tensor<4> {
        match self {
            Model::OneConv(m) => m.conv.weight.val(),
            Model::ThreeConv(m) => m.conv1.weight.val(),
            Model::BnCnn(m) => m.conv1.weight.val(),
        }
    }

    /// Class scores (logits) from penultimate features.
    pub fn head(&self, features: Tensor<2>) -> Tensor<2> {
        match self {
            Model::OneConv(m) => m.out.forward(features),
            Model::ThreeConv(m) => m.out.forward(features),
            Model::BnCnn(m) => m.out.forward(m.dropout.forward(features)),
        }
    }

    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        self.head(self.features(images))
    }
}
