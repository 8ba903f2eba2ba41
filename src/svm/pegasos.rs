//! Pegasos itself, and the fit around it: one run per λ of a grid on most of the training
//! rows, scored on the rest, then the best λ on all of them ([`Plan`]).

use rand::SeedableRng;
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use std::ops::Range;

use super::{Kernel, LinearSvm, NUM_CLASSES, Rows, dot};

/// Settings of one Pegasos run.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
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
    /// The one-vs-rest problems solved here: all classes, or a worker's share of them (the
    /// others' weights stay zero).
    classes: Range<usize>,
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
        let classes = class_count(labels);
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
            classes: 0..classes,
            mean: LinearSvm::zeros(dim, classes),
            grad: vec![0.0; classes * (dim + 1)],
            x: vec![0.0; dim + 1],
        }
    }

    /// The same run for `classes` only. Each class's problem depends on no other's, and the
    /// rows come in the same order, so its weights are those the run over all classes finds.
    pub fn for_classes(mut self, classes: Range<usize>) -> Self {
        assert!(classes.end <= self.svm.classes(), "classes {classes:?} of {}", self.svm.classes());
        self.classes = classes;
        self
    }

    /// The weights and biases of the classes solved here, one row of `dim + 1` per class.
    pub fn class_weights(&self) -> &[f32] {
        let stride = self.rows.dim() + 1;
        &self.svm().weights[self.classes.start * stride..self.classes.end * stride]
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
            for c in self.classes.clone() {
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
        for c in self.classes.clone() {
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
            let solved = self.classes.start * stride..self.classes.end * stride;
            for (m, &w) in self.mean.weights[solved.clone()].iter_mut().zip(&self.svm.weights[solved]) {
                *m += (w - *m) * k;
            }
        }
    }
}

/// Validation accuracy of one λ of the grid.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LambdaScore {
    pub lambda: f64,
    pub accuracy: f64,
}

/// How to fit the SVM: kernel, Pegasos settings, and either a fixed λ or a grid searched on
/// a held-out part of the training rows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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

/// The classes a fit on `labels` tells apart: the ten, and any of one's own the labels name.
pub fn class_count(labels: &[u8]) -> usize {
    labels.iter().map(|&l| usize::from(l) + 1).max().unwrap_or(0).max(NUM_CLASSES)
}

/// Which Pegasos run of a fit: run `k` of the λ search (on the fit part), or the final one
/// on all rows.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Run {
    Search { k: usize },
    Final { lambda: f64 },
}

/// The runs of a fit and what decides between them, so that one worker or several run the
/// same ones: one Pegasos run per λ of the grid on the training part, scored on the held-out
/// part, then a final run with the best λ on all the rows.
#[derive(Clone, Debug)]
pub struct Plan {
    options: SvmOptions,
    rows: usize,
    fit_part: Vec<usize>,
    holdout_part: Vec<usize>,
}

impl Plan {
    /// The plan for `rows` training rows (the held-out part is drawn from `options`' seed).
    pub fn new(rows: usize, options: SvmOptions) -> Self {
        let mut order: Vec<usize> = (0..rows).collect();
        order.shuffle(&mut SmallRng::seed_from_u64(options.pegasos.seed ^ 0x5eed));
        let searching = options.lambda.is_none() && options.grid.len() > 1;
        let held = if searching {
            ((rows as f64 * options.holdout).round() as usize).clamp(1, rows.saturating_sub(1))
        } else {
            0
        };
        let holdout_part = order[..held].to_vec();
        let fit_part = order[held..].to_vec();
        Self { options, rows, fit_part, holdout_part }
    }

    pub fn options(&self) -> &SvmOptions {
        &self.options
    }

    pub fn is_searching(&self) -> bool {
        !self.holdout_part.is_empty()
    }

    /// The λ of the search's runs, in order (none when λ is fixed).
    fn search_grid(&self) -> &[f64] {
        if self.is_searching() { &self.options.grid } else { &[] }
    }

    /// The run that follows the search runs scored so far.
    pub fn run_after(&self, scores: &[LambdaScore]) -> Run {
        if scores.len() < self.search_grid().len() {
            Run::Search { k: scores.len() }
        } else {
            Run::Final { lambda: self.best_lambda(scores) }
        }
    }

    /// The λ with the best validation accuracy (the larger λ on a tie: the simpler model), or
    /// the fixed one.
    pub fn best_lambda(&self, scores: &[LambdaScore]) -> f64 {
        if let Some(l) = self.options.lambda {
            return l;
        }
        let mut best = scores.first().map_or(self.options.grid[0], |s| s.lambda);
        let mut best_acc = -1.0;
        for s in scores {
            if s.accuracy > best_acc || (s.accuracy == best_acc && s.lambda > best) {
                best = s.lambda;
                best_acc = s.accuracy;
            }
        }
        best
    }

    /// The λ `run` uses.
    pub fn lambda(&self, run: Run) -> f64 {
        match run {
            Run::Search { k } => self.search_grid()[k],
            Run::Final { lambda } => lambda,
        }
    }

    /// `run` over all classes, ready to step.
    pub fn pegasos<'a>(&self, run: Run, rows: &'a Rows, labels: &'a [u8]) -> Pegasos<'a> {
        assert_eq!(rows.len(), self.rows, "the plan's rows");
        let indices = match run {
            Run::Search { .. } => self.fit_part.clone(),
            Run::Final { .. } => (0..self.rows).collect(),
        };
        Pegasos::new(PegasosConfig { lambda: self.lambda(run), ..self.options.pegasos }, rows, labels, indices)
    }

    /// The held-out accuracy of a search run's result.
    pub fn score(&self, run: Run, svm: &LinearSvm, rows: &Rows, labels: &[u8]) -> LambdaScore {
        let mut x = vec![0f32; rows.dim()];
        let predicted: Vec<u8> = self
            .holdout_part
            .iter()
            .map(|&i| {
                rows.row(i, &mut x);
                svm.predict(&x)
            })
            .collect();
        let truth: Vec<u8> = self.holdout_part.iter().map(|&i| labels[i]).collect();
        LambdaScore { lambda: self.lambda(run), accuracy: crate::metrics::accuracy(&predicted, &truth) }
    }

    /// Pegasos iterations of `run`.
    pub fn iterations(&self, run: Run) -> usize {
        let m = match run {
            Run::Search { .. } => self.fit_part.len(),
            Run::Final { .. } => self.rows,
        };
        (self.options.pegasos.epochs * m).div_ceil(self.options.pegasos.batch_size)
    }

    /// Pegasos iterations of the whole fit.
    pub fn total_iterations(&self) -> usize {
        let search = self.search_grid().len() * self.iterations(Run::Search { k: 0 });
        search + self.iterations(Run::Final { lambda: 0.0 })
    }
}

/// The whole fit in one worker as a resumable job, run after run of its [`Plan`].
pub struct Fit<'a> {
    rows: &'a Rows,
    labels: &'a [u8],
    plan: Plan,
    scores: Vec<LambdaScore>,
    run: Run,
    current: Pegasos<'a>,
    done_before: usize,
}

impl<'a> Fit<'a> {
    pub fn new(rows: &'a Rows, labels: &'a [u8], options: SvmOptions) -> Self {
        assert_eq!(rows.len(), labels.len(), "one label per row");
        let plan = Plan::new(rows.len(), options);
        let run = plan.run_after(&[]);
        let current = plan.pegasos(run, rows, labels);
        Self { rows, labels, plan, scores: Vec::new(), run, current, done_before: 0 }
    }

    /// Fraction of all the fit's iterations done.
    pub fn progress(&self) -> f64 {
        (self.done_before + self.current.iterations_done()) as f64 / self.plan.total_iterations().max(1) as f64
    }

    /// The λ the run in progress uses.
    pub fn current_lambda(&self) -> f64 {
        self.current.config.lambda
    }

    pub fn is_searching(&self) -> bool {
        matches!(self.run, Run::Search { .. })
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
            if !self.is_searching() {
                return true;
            }
            self.next_run();
            if left == 0 {
                return false;
            }
        }
    }

    fn next_run(&mut self) {
        self.scores.push(self.plan.score(self.run, self.current.svm(), self.rows, self.labels));
        self.done_before += self.current.iterations_total();
        self.run = self.plan.run_after(&self.scores);
        self.current = self.plan.pegasos(self.run, self.rows, self.labels);
    }

    /// The λ with the best validation accuracy (the larger λ on a tie), or the fixed one.
    pub fn best_lambda(&self) -> f64 {
        self.plan.best_lambda(&self.scores)
    }

    /// The fitted SVM (call once [`Fit::step`] has returned true) and the λ it was fitted with.
    pub fn finish(self) -> (LinearSvm, f64) {
        let lambda = self.current.config.lambda;
        (self.current.into_svm(), lambda)
    }
}
