//! The names of the CNN architectures and what the page needs to know of them, without Burn:
//! the page's own wasm builds without it (see `Cargo.toml`, feature `ml`); `crate::model`
//! builds the networks.

use std::fmt;
use std::str::FromStr;

/// Which network to build.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Arch {
    /// The original report's model: Conv(32) → MaxPool → Dense(128) → Dense(10).
    OneConv,
    /// The report's proposed model: three convolutions, Dense(64) → Dense(10).
    ThreeConv,
    /// Our default: two padded conv blocks with batch norm, Dense(128) with dropout.
    #[default]
    BnCnn,
}

impl Arch {
    pub const ALL: [Arch; 3] = [Arch::OneConv, Arch::ThreeConv, Arch::BnCnn];

    pub const fn name(self) -> &'static str {
        match self {
            Arch::OneConv => "one-conv",
            Arch::ThreeConv => "three-conv",
            Arch::BnCnn => "bn-cnn",
        }
    }

    /// Width of the penultimate layer, the feature vector the SVM sees.
    pub fn feature_dim(self) -> usize {
        match self {
            Arch::OneConv => 128,
            Arch::ThreeConv => 64,
            Arch::BnCnn => 128,
        }
    }
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Arch {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Arch::ALL.into_iter().find(|a| a.name() == s).ok_or_else(|| {
            let names: Vec<_> = Arch::ALL.iter().map(|a| a.name()).collect();
            format!("unknown architecture \"{s}\": use one of {}", names.join(", "))
        })
    }
}
