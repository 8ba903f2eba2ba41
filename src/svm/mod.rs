//! The SVM fitted on the CNN's penultimate features: Pegasos (Shalev-Shwartz, Singer, Srebro
//! and Cotter, "Pegasos: primal estimated sub-gradient solver for SVM", 2011), one-vs-rest
//! over the ten classes, on standardised features or on random Fourier features that
//! approximate an RBF kernel (Rahimi and Recht, 2007), with λ chosen on held-out data.
//!
//! Everything here is plain Rust on `f32` slices: the fit is cheap next to the CNN (128 to a
//! few thousand numbers per image), and it runs in resumable slices ([`Fit::step`]) so the
//! page can show progress and stay responsive.

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::dataset::NUM_CLASSES;

mod pegasos;
pub mod shared;

pub use pegasos::{Fit, LambdaScore, Pegasos, PegasosConfig, Plan, Run, SvmOptions};

/// Which kernel the SVM uses.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Kernel {
    /// A linear SVM on the standardised features.
    Linear,
    /// `exp(-gamma * |x - y|^2)` on the standardised features (scaled to unit mean norm),
    /// approximated with `dim` random Fourier features.
    Rbf { dim: usize, gamma: f32 },
}

impl Kernel {
    pub const DEFAULT_RBF_DIM: usize = 1024;
    pub const DEFAULT_GAMMA: f32 = 2.0;

    /// The Fourier dimension and γ: the kernel's own, or the defaults for a linear kernel
    /// (what the page offers should the user switch to RBF).
    pub fn rbf_params(&self) -> (usize, f32) {
        match *self {
            Kernel::Rbf { dim, gamma } => (dim, gamma),
            Kernel::Linear => (Self::DEFAULT_RBF_DIM, Self::DEFAULT_GAMMA),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Kernel::Linear => "linear",
            Kernel::Rbf { .. } => "rbf",
        }
    }
}

impl Default for Kernel {
    fn default() -> Self {
        Kernel::Rbf { dim: Self::DEFAULT_RBF_DIM, gamma: Self::DEFAULT_GAMMA }
    }
}

/// Dot product with eight independent accumulators: without them the compiler must keep the
/// additions in order and cannot use SIMD lanes (this loop is nearly all of the fit's time).
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    debug_assert_eq!(a.len(), b.len());
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca.remainder().iter().zip(cb.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// Per-feature standardisation fitted on the training features, then a common scale of
/// `1/sqrt(dim)` so a typical vector has norm about 1 whatever the feature count (the
/// regularisation λ and the RBF γ then mean the same for every architecture).
#[derive(Clone, Debug, PartialEq)]
pub struct Standardizer {
    pub mean: Vec<f32>,
    /// `1 / (std * sqrt(dim))`; features that never vary (dead ReLUs) get 0 and drop out.
    pub scale: Vec<f32>,
}

impl Standardizer {
    pub fn fit(features: &[f32], dim: usize) -> Self {
        assert!(dim > 0 && features.len().is_multiple_of(dim), "features come in rows of dim");
        let n = (features.len() / dim).max(1) as f64;
        let mut sum = vec![0f64; dim];
        let mut sq = vec![0f64; dim];
        for row in features.chunks_exact(dim) {
            for (j, &v) in row.iter().enumerate() {
                sum[j] += v as f64;
                sq[j] += v as f64 * v as f64;
            }
        }
        let root = (dim as f64).sqrt();
        let mean: Vec<f32> = sum.iter().map(|s| (s / n) as f32).collect();
        let scale = sum
            .iter()
            .zip(&sq)
            .map(|(s, q)| {
                let var = (q / n - (s / n).powi(2)).max(0.0);
                if var < 1e-12 { 0.0 } else { (1.0 / (var.sqrt() * root)) as f32 }
            })
            .collect();
        Self { mean, scale }
    }

    pub fn dim(&self) -> usize {
        self.mean.len()
    }

    pub fn apply(&self, row: &[f32], out: &mut [f32]) {
        for (((o, &v), &m), &s) in out.iter_mut().zip(row).zip(&self.mean).zip(&self.scale) {
            *o = (v - m) * s;
        }
    }
}

/// Random Fourier features: `z(x) = sqrt(2/D) cos(Wx + b)` with `W ~ N(0, 2γ)` and
/// `b ~ U(0, 2π)`, so that `z(x)·z(y) ≈ exp(-γ|x-y|²)`.
#[derive(Clone, Debug, PartialEq)]
pub struct FourierFeatures {
    pub in_dim: usize,
    pub gamma: f32,
    /// `out_dim` rows of `in_dim` weights.
    pub weights: Vec<f32>,
    pub offsets: Vec<f32>,
}

impl FourierFeatures {
    pub fn new(in_dim: usize, out_dim: usize, gamma: f32, seed: u64) -> Self {
        let mut rng = SmallRng::seed_from_u64(seed);
        let sd = (2.0 * gamma as f64).sqrt();
        let weights = (0..in_dim * out_dim).map(|_| (standard_normal(&mut rng) * sd) as f32).collect();
        let offsets = (0..out_dim).map(|_| rng.random_range(0.0..std::f32::consts::TAU)).collect();
        Self { in_dim, gamma, weights, offsets }
    }

    pub fn out_dim(&self) -> usize {
        self.offsets.len()
    }

    /// The cosines `cos(Wx + b)` of one row, without the `sqrt(2/D)` factor.
    fn cosines(&self, x: &[f32], out: &mut [f32]) {
        for ((o, w), &b) in out.iter_mut().zip(self.weights.chunks_exact(self.in_dim)).zip(&self.offsets) {
            *o = (dot(w, x) + b).cos();
        }
    }
}

/// Box-Muller: one standard normal draw (the `rand` crate keeps its distributions elsewhere).
fn standard_normal(rng: &mut impl Rng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>(); // in (0, 1]: ln stays finite
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// The SVM's input vectors, stored compactly: standardised features as `f32`, or Fourier
/// cosines quantised to `i8` (60,000 × 1024 of them is 61 MB instead of 246 MB; the rounding,
/// at most 1/254, is far below the Fourier approximation's own error of about 1/sqrt(D)).
#[derive(Clone, Debug)]
pub enum Rows {
    Dense { dim: usize, data: Vec<f32> },
    Cosines { dim: usize, data: Vec<i8>, scale: f32 },
}

impl Rows {
    pub fn dim(&self) -> usize {
        match self {
            Rows::Dense { dim, .. } | Rows::Cosines { dim, .. } => *dim,
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Rows::Dense { dim, data } => data.len() / dim,
            Rows::Cosines { dim, data, .. } => data.len() / dim,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `i` as `f32`.
    pub fn row(&self, i: usize, out: &mut [f32]) {
        match self {
            Rows::Dense { dim, data } => out.copy_from_slice(&data[i * dim..(i + 1) * dim]),
            Rows::Cosines { dim, data, scale } => {
                for (o, &q) in out.iter_mut().zip(&data[i * dim..(i + 1) * dim]) {
                    *o = q as f32 * scale;
                }
            }
        }
    }
}

/// What turns a CNN feature vector into the SVM's input: fitted on the training features.
#[derive(Clone, Debug, PartialEq)]
pub struct FeatureMap {
    pub standardizer: Standardizer,
    pub fourier: Option<FourierFeatures>,
}

impl FeatureMap {
    pub fn fit(kernel: Kernel, features: &[f32], dim: usize, seed: u64) -> Self {
        let standardizer = Standardizer::fit(features, dim);
        let fourier = match kernel {
            Kernel::Linear => None,
            Kernel::Rbf { dim: out, gamma } => Some(FourierFeatures::new(dim, out, gamma, seed)),
        };
        Self { standardizer, fourier }
    }

    pub fn out_dim(&self) -> usize {
        self.fourier.as_ref().map_or(self.standardizer.dim(), FourierFeatures::out_dim)
    }

    /// One feature vector mapped to the SVM's input.
    pub fn apply(&self, row: &[f32]) -> Vec<f32> {
        let mut std = vec![0f32; self.standardizer.dim()];
        self.standardizer.apply(row, &mut std);
        match &self.fourier {
            None => std,
            Some(f) => {
                let mut out = vec![0f32; f.out_dim()];
                f.cosines(&std, &mut out);
                let s = (2.0 / f.out_dim() as f32).sqrt();
                out.iter_mut().for_each(|v| *v *= s);
                out
            }
        }
    }

    /// All rows of `features` mapped, stored compactly. `on_rows(done)` is called every few
    /// thousand rows (the Fourier map is the slow part: 60,000 × 128 × 1024 multiply-adds).
    pub fn apply_all(&self, features: &[f32], mut on_rows: impl FnMut(usize)) -> Rows {
        let dim = self.standardizer.dim();
        let n = features.len() / dim;
        let mut std = vec![0f32; dim];
        match &self.fourier {
            None => {
                let mut data = vec![0f32; features.len()];
                for (row, out) in features.chunks_exact(dim).zip(data.chunks_exact_mut(dim)) {
                    self.standardizer.apply(row, out);
                }
                on_rows(n);
                Rows::Dense { dim, data }
            }
            Some(f) => {
                let out_dim = f.out_dim();
                let mut data = vec![0i8; n * out_dim];
                let mut cos = vec![0f32; out_dim];
                for (i, (row, out)) in features.chunks_exact(dim).zip(data.chunks_exact_mut(out_dim)).enumerate() {
                    self.standardizer.apply(row, &mut std);
                    f.cosines(&std, &mut cos);
                    for (o, &c) in out.iter_mut().zip(&cos) {
                        *o = (c * 127.0).round() as i8;
                    }
                    if (i + 1) % 2000 == 0 {
                        on_rows(i + 1);
                    }
                }
                on_rows(n);
                Rows::Cosines { dim: out_dim, data, scale: (2.0 / out_dim as f32).sqrt() / 127.0 }
            }
        }
    }
}

/// One-vs-rest linear classifiers, one per class (the ten, then any of one's own): class `c`
/// scores `w_c · x + b_c`.
#[derive(Clone, Debug, PartialEq)]
pub struct LinearSvm {
    pub dim: usize,
    /// One row per class of `dim` weights followed by the bias.
    pub weights: Vec<f32>,
}

impl LinearSvm {
    fn zeros(dim: usize, classes: usize) -> Self {
        Self { dim, weights: vec![0.0; classes * (dim + 1)] }
    }

    /// How many classes it tells apart.
    pub fn classes(&self) -> usize {
        self.weights.len() / (self.dim + 1)
    }

    fn class(&self, c: usize) -> &[f32] {
        &self.weights[c * (self.dim + 1)..(c + 1) * (self.dim + 1)]
    }

    pub fn scores(&self, x: &[f32]) -> Vec<f32> {
        (0..self.classes())
            .map(|c| {
                let w = self.class(c);
                dot(&w[..self.dim], x) + w[self.dim]
            })
            .collect()
    }

    /// The same classifiers without class `c`'s (one-vs-rest: the others do not depend on it);
    /// the classes after it move down by one.
    pub fn without_class(&self, c: usize) -> LinearSvm {
        let stride = self.dim + 1;
        let mut weights = self.weights.clone();
        if c < self.classes() {
            weights.drain(c * stride..(c + 1) * stride);
        }
        LinearSvm { dim: self.dim, weights }
    }

    pub fn predict(&self, x: &[f32]) -> u8 {
        argmax(&self.scores(x)) as u8
    }

    /// Predicted class of every row.
    pub fn predict_rows(&self, rows: &Rows) -> Vec<u8> {
        let mut x = vec![0f32; rows.dim()];
        (0..rows.len())
            .map(|i| {
                rows.row(i, &mut x);
                self.predict(&x)
            })
            .collect()
    }

    /// The Pegasos objective summed over the ten binary problems on the listed rows:
    /// `Σ_c λ/2 |w_c|² + mean_i max(0, 1 - y_ic (w_c·x_i + b_c))`.
    pub fn objective(&self, rows: &Rows, labels: &[u8], indices: &[usize], lambda: f64) -> f64 {
        let mut x = vec![0f32; rows.dim()];
        let mut hinge = 0.0f64;
        for &i in indices {
            rows.row(i, &mut x);
            for (c, s) in self.scores(&x).iter().enumerate() {
                let y = if labels[i] as usize == c { 1.0 } else { -1.0 };
                hinge += (1.0 - y * *s as f64).max(0.0);
            }
        }
        let norms: f64 =
            (0..self.classes()).map(|c| self.class(c).iter().map(|&w| (w as f64).powi(2)).sum::<f64>()).sum();
        lambda / 2.0 * norms + hinge / indices.len().max(1) as f64
    }
}

/// The index of the largest value: the first of equal ones, so a tie goes to the lower class
/// everywhere (the CNN's head, the SVM, the page). NaN is never the largest; 0 when there is
/// no number at all.
pub fn argmax(values: &[f32]) -> usize {
    let mut best: Option<(usize, f32)> = None;
    for (i, &v) in values.iter().enumerate() {
        if !v.is_nan() && best.is_none_or(|(_, b)| v > b) {
            best = Some((i, v));
        }
    }
    best.map_or(0, |(i, _)| i)
}

/// A fitted CNN+SVM classifier's SVM half: the feature map and the linear classifiers.
#[derive(Clone, Debug, PartialEq)]
pub struct SvmClassifier {
    pub map: FeatureMap,
    pub svm: LinearSvm,
    pub lambda: f64,
}

impl SvmClassifier {
    /// Scores of each class for one CNN feature vector.
    pub fn scores(&self, features: &[f32]) -> Vec<f32> {
        self.svm.scores(&self.map.apply(features))
    }
}
