//! The SVM fitted on the CNN's penultimate features: Pegasos (Shalev-Shwartz, Singer, Srebro
//! and Cotter, "Pegasos: primal estimated sub-gradient solver for SVM", 2011), one-vs-rest
//! over the ten classes, on standardised features or on random Fourier features that
//! approximate an RBF kernel (Rahimi and Recht, 2007), with λ chosen on held-out data.
//!
//! Everything here is plain Rust on `f32` slices: the fit is cheap next to the CNN (128 to a
//! few thousand numbers per image), and it runs in resumable slices ([`Fit::step`]) so the
//! page can show progress and stay responsive.

use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use crate::dataset::NUM_CLASSES;

/// Which kernel the SVM uses.
#[derive(Clone, Copy, Debug, PartialEq)]
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

/// Settings of one Pegasos run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PegasosConfig {
    pub lambda: f64,
    /// Passes over the training rows; the iteration count is `epochs * rows / batch_size`.
    pub epochs: usize,
    /// `k` in the paper: rows per sub-gradient step.
    pub batch_size: usize,
    /// Project each `w_c` onto the ball of radius `1/sqrt(λ)` after every step, where the
    /// paper shows the optimum lies.
    pub project: bool,
    /// Return the average of the iterates of the second half of the run rather than the last
    /// one (the paper analyses both); the average smooths out the last steps' noise.
    pub average: bool,
    pub seed: u64,
}

impl Default for PegasosConfig {
    fn default() -> Self {
        Self { lambda: 1e-4, epochs: 5, batch_size: 32, project: true, average: true, seed: 42 }
    }
}

/// One Pegasos run on some rows, advanced a few iterations at a time.
///
/// The bias is handled as the paper's simplest option: a constant input of 1, so it is
/// regularised with the weights. With inputs of norm about 1 the effect is small, and the
/// unregularised alternative takes steps of size 1/(λt) that swing wildly in the first
/// iterations.
pub struct Pegasos<'a> {
    config: PegasosConfig,
    rows: &'a Rows,
    labels: &'a [u8],
    indices: Vec<usize>,
    rng: SmallRng,
    order: Vec<usize>,
    cursor: usize,
    t: usize,
    total: usize,
    svm: LinearSvm,
    /// Running mean of the iterates since half way, when averaging.
    mean: LinearSvm,
    grad: Vec<f32>,
    x: Vec<f32>,
}

impl<'a> Pegasos<'a> {
    /// A run over `indices` of `rows` (with their `labels`, indexed like `rows`).
    pub fn new(config: PegasosConfig, rows: &'a Rows, labels: &'a [u8], indices: Vec<usize>) -> Self {
        assert!(config.lambda > 0.0 && config.batch_size > 0, "λ and the batch size must be positive");
        let dim = rows.dim();
        // The ten, and any classes of one's own the labels name.
        let classes = labels.iter().map(|&l| usize::from(l) + 1).max().unwrap_or(0).max(NUM_CLASSES);
        let total = (config.epochs * indices.len()).div_ceil(config.batch_size);
        Self {
            config,
            rows,
            labels,
            order: Vec::new(),
            indices,
            rng: SmallRng::seed_from_u64(config.seed),
            cursor: 0,
            t: 0,
            total,
            svm: LinearSvm::zeros(dim, classes),
            mean: LinearSvm::zeros(dim, classes),
            grad: vec![0.0; classes * (dim + 1)],
            x: vec![0.0; dim + 1],
        }
    }

    pub fn iterations_done(&self) -> usize {
        self.t
    }

    pub fn iterations_total(&self) -> usize {
        self.total
    }

    pub fn is_done(&self) -> bool {
        self.t >= self.total
    }

    /// The classifier so far: the averaged iterate once averaging has begun, else the last.
    pub fn svm(&self) -> &LinearSvm {
        if self.averaging_from().is_some_and(|from| self.t > from) { &self.mean } else { &self.svm }
    }

    pub fn into_svm(self) -> LinearSvm {
        if self.averaging_from().is_some_and(|from| self.t > from) { self.mean } else { self.svm }
    }

    fn averaging_from(&self) -> Option<usize> {
        self.config.average.then_some(self.total / 2)
    }

    /// Runs up to `iterations` more steps; returns whether the run is complete.
    pub fn run(&mut self, iterations: usize) -> bool {
        for _ in 0..iterations {
            if self.is_done() {
                break;
            }
            self.step();
        }
        self.is_done()
    }

    /// Rows for the next step, walking through shuffled passes over the training rows.
    fn next_batch(&mut self) -> Vec<usize> {
        let mut batch = Vec::with_capacity(self.config.batch_size);
        while batch.len() < self.config.batch_size.min(self.indices.len()) {
            if self.cursor == self.order.len() {
                self.order.clone_from(&self.indices);
                self.order.shuffle(&mut self.rng);
                self.cursor = 0;
            }
            batch.push(self.order[self.cursor]);
            self.cursor += 1;
        }
        batch
    }

    fn step(&mut self) {
        self.t += 1;
        let dim = self.rows.dim();
        let stride = dim + 1;
        let batch = self.next_batch();
        self.grad.iter_mut().for_each(|g| *g = 0.0);
        self.x[dim] = 1.0; // the bias input
        for &i in &batch {
            self.rows.row(i, &mut self.x[..dim]);
            let label = self.labels[i] as usize;
            for c in 0..self.svm.classes() {
                let w = &self.svm.weights[c * stride..(c + 1) * stride];
                let y = if c == label { 1.0f32 } else { -1.0 };
                if y * dot(w, &self.x) < 1.0 {
                    for (g, &v) in self.grad[c * stride..(c + 1) * stride].iter_mut().zip(&self.x) {
                        *g += y * v;
                    }
                }
            }
        }
        // w ← (1 - ηλ) w + (η/k) Σ_{violators} y x, with η = 1/(λt), so 1 - ηλ = 1 - 1/t.
        let eta = 1.0 / (self.config.lambda * self.t as f64);
        let shrink = (1.0 - 1.0 / self.t as f64) as f32;
        let step = (eta / batch.len() as f64) as f32;
        let radius = (1.0 / self.config.lambda.sqrt()) as f32;
        for c in 0..self.svm.classes() {
            let w = &mut self.svm.weights[c * stride..(c + 1) * stride];
            let g = &self.grad[c * stride..(c + 1) * stride];
            for (w, &g) in w.iter_mut().zip(g) {
                *w = shrink * *w + step * g;
            }
            if self.config.project {
                let norm = dot(w, w).sqrt();
                if norm > radius {
                    let s = radius / norm;
                    w.iter_mut().for_each(|v| *v *= s);
                }
            }
        }
        if let Some(from) = self.averaging_from().filter(|&from| self.t > from) {
            let k = 1.0 / (self.t - from) as f32;
            for (m, &w) in self.mean.weights.iter_mut().zip(&self.svm.weights) {
                *m += (w - *m) * k;
            }
        }
    }
}

/// Validation accuracy of one λ of the grid.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LambdaScore {
    pub lambda: f64,
    pub accuracy: f64,
}

/// How to fit the SVM: kernel, Pegasos settings, and either a fixed λ or a grid searched on
/// a held-out part of the training rows.
#[derive(Clone, Debug, PartialEq)]
pub struct SvmOptions {
    pub kernel: Kernel,
    pub lambda: Option<f64>,
    pub grid: Vec<f64>,
    /// Share of the training rows held out to score each λ of the grid.
    pub holdout: f64,
    pub pegasos: PegasosConfig,
}

impl Default for SvmOptions {
    fn default() -> Self {
        Self {
            kernel: Kernel::default(),
            lambda: None,
            grid: vec![1e-6, 1e-5, 1e-4, 1e-3],
            holdout: 0.1,
            pegasos: PegasosConfig::default(),
        }
    }
}

/// The whole fit as a resumable job: one Pegasos run per λ of the grid on the training part,
/// scored on the held-out part, then a final run with the best λ on all the rows.
pub struct Fit<'a> {
    rows: &'a Rows,
    labels: &'a [u8],
    options: SvmOptions,
    fit_part: Vec<usize>,
    holdout_part: Vec<usize>,
    scores: Vec<LambdaScore>,
    /// The run in progress, and whether it is the final one (on all rows).
    current: Pegasos<'a>,
    final_run: bool,
    done_before: usize,
    total: usize,
}

impl<'a> Fit<'a> {
    pub fn new(rows: &'a Rows, labels: &'a [u8], options: SvmOptions) -> Self {
        assert_eq!(rows.len(), labels.len(), "one label per row");
        let n = rows.len();
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(&mut SmallRng::seed_from_u64(options.pegasos.seed ^ 0x5eed));
        let searching = options.lambda.is_none() && options.grid.len() > 1;
        let held =
            if searching { ((n as f64 * options.holdout).round() as usize).clamp(1, n.saturating_sub(1)) } else { 0 };
        let holdout_part = order[..held].to_vec();
        let fit_part = order[held..].to_vec();
        let per_run = |m: usize| (options.pegasos.epochs * m).div_ceil(options.pegasos.batch_size);
        let total = if searching { options.grid.len() * per_run(fit_part.len()) } else { 0 } + per_run(n);
        let (first, indices) = if searching {
            (options.grid[0], fit_part.clone())
        } else {
            (options.lambda.unwrap_or(options.grid[0]), (0..n).collect())
        };
        let current = Pegasos::new(PegasosConfig { lambda: first, ..options.pegasos }, rows, labels, indices);
        Self {
            rows,
            labels,
            options,
            fit_part,
            holdout_part,
            scores: Vec::new(),
            current,
            final_run: !searching,
            done_before: 0,
            total,
        }
    }

    /// Fraction of all the fit's iterations done.
    pub fn progress(&self) -> f64 {
        (self.done_before + self.current.iterations_done()) as f64 / self.total.max(1) as f64
    }

    /// The λ the run in progress uses.
    pub fn current_lambda(&self) -> f64 {
        self.current.config.lambda
    }

    pub fn is_searching(&self) -> bool {
        !self.final_run
    }

    /// Validation accuracy for each λ scored so far.
    pub fn scores(&self) -> &[LambdaScore] {
        &self.scores
    }

    /// Runs up to `iterations` Pegasos steps; returns whether the whole fit is complete.
    pub fn step(&mut self, iterations: usize) -> bool {
        let mut left = iterations;
        loop {
            let before = self.current.iterations_done();
            let finished = self.current.run(left);
            left -= self.current.iterations_done() - before;
            if !finished {
                return false;
            }
            if self.final_run {
                return true;
            }
            self.next_run();
            if left == 0 {
                return false;
            }
        }
    }

    fn next_run(&mut self) {
        let svm = self.current.svm();
        let predicted: Vec<u8> = {
            let mut x = vec![0f32; self.rows.dim()];
            self.holdout_part
                .iter()
                .map(|&i| {
                    self.rows.row(i, &mut x);
                    svm.predict(&x)
                })
                .collect()
        };
        let truth: Vec<u8> = self.holdout_part.iter().map(|&i| self.labels[i]).collect();
        let lambda = self.current.config.lambda;
        self.scores.push(LambdaScore { lambda, accuracy: crate::metrics::accuracy(&predicted, &truth) });
        self.done_before += self.current.iterations_total();
        let config = self.options.pegasos;
        let next = if let Some(&l) = self.options.grid.get(self.scores.len()) {
            Pegasos::new(PegasosConfig { lambda: l, ..config }, self.rows, self.labels, self.fit_part.clone())
        } else {
            self.final_run = true;
            let best = self.best_lambda();
            Pegasos::new(
                PegasosConfig { lambda: best, ..config },
                self.rows,
                self.labels,
                (0..self.rows.len()).collect(),
            )
        };
        self.current = next;
    }

    /// The λ with the best validation accuracy (the larger λ on a tie: the simpler model), or
    /// the fixed one.
    pub fn best_lambda(&self) -> f64 {
        if let Some(l) = self.options.lambda {
            return l;
        }
        let mut best = self.scores.first().map_or(self.options.grid[0], |s| s.lambda);
        let mut best_acc = -1.0;
        for s in &self.scores {
            if s.accuracy > best_acc || (s.accuracy == best_acc && s.lambda > best) {
                best = s.lambda;
                best_acc = s.accuracy;
            }
        }
        best
    }

    /// The fitted SVM (call once [`Fit::step`] has returned true) and the λ it was fitted with.
    pub fn finish(self) -> (LinearSvm, f64) {
        let lambda = self.current.config.lambda;
        (self.current.into_svm(), lambda)
    }
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
