//! The SVM fit shared by class with helpers (src/svm/shared.rs), on features of real
//! Fashion-MNIST images: the same classifiers as the one-worker fit, number for number, with
//! helpers in the same process standing in for the browser's workers, also when one is lost.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::ops::{ControlFlow, Range};

use fashion_cnn::dataset::IMAGE_PIXELS;
use fashion_cnn::svm::shared::{Fitted, SvmHelpers, fit_shared, shares};
use fashion_cnn::svm::{FeatureMap, Fit, Kernel, LinearSvm, PegasosConfig, Plan, Rows, Run, SvmOptions};

const IMAGES: usize = 3000;

/// 7x7 block means of the first training images: small features that still tell the classes
/// apart (so the λ search has something to choose).
fn features() -> (Vec<f32>, Vec<u8>, usize) {
    let data = &common::dataset().train;
    let mut out = Vec::with_capacity(IMAGES * 49);
    for image in data.images.chunks_exact(IMAGE_PIXELS).take(IMAGES) {
        for by in 0..7 {
            for bx in 0..7 {
                let sum: u32 = (0..16).map(|k| u32::from(image[(by * 4 + k / 4) * 28 + bx * 4 + k % 4])).sum();
                out.push(sum as f32 / (16.0 * 255.0));
            }
        }
    }
    (out, data.labels[..IMAGES].to_vec(), 49)
}

fn options() -> SvmOptions {
    SvmOptions {
        kernel: Kernel::Rbf { dim: 256, gamma: 2.0 },
        pegasos: PegasosConfig { epochs: 2, ..PegasosConfig::default() },
        ..SvmOptions::default()
    }
}

/// Helpers in this process: each run's shares solved when collected, from a plan of their
/// own (as a browser helper builds from the options it is sent).
struct InProcess<'a> {
    rows: &'a Rows,
    labels: &'a [u8],
    plan: Plan,
    count: usize,
    sent: Vec<(Run, Range<usize>)>,
    /// The first helper is lost at this run (counted from 0), its share unanswered.
    lose_at: Option<usize>,
    runs: usize,
    unloaded: bool,
}

impl<'a> InProcess<'a> {
    fn new(rows: &'a Rows, labels: &'a [u8], count: usize, lose_at: Option<usize>) -> Self {
        let plan = Plan::new(rows.len(), options());
        Self { rows, labels, plan, count, sent: Vec::new(), lose_at, runs: 0, unloaded: false }
    }
}

impl SvmHelpers for InProcess<'_> {
    fn svm_helper_count(&self) -> usize {
        self.count
    }

    fn send_run(&mut self, run: Run, classes: &[Range<usize>]) {
        assert!(classes.len() <= self.count, "at most one share per helper");
        self.sent = classes.iter().map(|c| (run, c.clone())).collect();
    }

    async fn collect_weights(&mut self) -> Vec<Option<Vec<f32>>> {
        let lost = self.lose_at == Some(self.runs);
        self.runs += 1;
        let answers = std::mem::take(&mut self.sent)
            .into_iter()
            .enumerate()
            .map(|(i, (run, classes))| {
                (!(lost && i == 0)).then(|| {
                    let mut pegasos = self.plan.pegasos(run, self.rows, self.labels).for_classes(classes);
                    pegasos.run(usize::MAX);
                    pegasos.class_weights().to_vec()
                })
            })
            .collect();
        if lost {
            self.count -= 1;
        }
        answers
    }

    fn unload_fit(&mut self) {
        self.unloaded = true;
    }
}

fn one_worker(rows: &Rows, labels: &[u8]) -> (LinearSvm, f64, Vec<f64>) {
    let mut fit = Fit::new(rows, labels, options());
    while !fit.step(1000) {}
    let scores = fit.scores().iter().map(|s| s.accuracy).collect();
    let (svm, lambda) = fit.finish();
    (svm, lambda, scores)
}

fn shared(helpers: &mut InProcess, rows: &Rows, labels: &[u8]) -> Fitted {
    let fitted = fit_shared(rows, labels, options(), helpers, |_| async { ControlFlow::Continue(()) });
    pollster::block_on(fitted).expect("not stopped")
}

#[test]
fn a_fit_shared_by_class_gives_the_one_worker_fit() {
    let (x, y, dim) = features();
    let opts = options();
    let rows = FeatureMap::fit(opts.kernel, &x, dim, opts.pegasos.seed).apply_all(&x, |_| {});
    let (svm, lambda, scores) = one_worker(&rows, &y);
    assert_eq!(scores.len(), opts.grid.len(), "the search scored every λ");
    let accuracy = fashion_cnn::metrics::accuracy(&svm.predict_rows(&rows), &y);
    assert!(accuracy > 0.75, "a real fit: training accuracy {accuracy}");
    for helpers in [1, 2, 9] {
        let mut h = InProcess::new(&rows, &y, helpers, None);
        let fitted = shared(&mut h, &rows, &y);
        assert_eq!(fitted.svm, svm, "{helpers} helpers: the same weights");
        assert_eq!(fitted.lambda, lambda, "{helpers} helpers");
        assert_eq!(fitted.scores.iter().map(|s| s.accuracy).collect::<Vec<_>>(), scores, "{helpers} helpers");
        assert!(h.unloaded, "{helpers} helpers were told the fit is over");
    }
    // A helper lost in the search's second run, and one in the final run: its classes are
    // solved here, and the result does not change.
    for run in [1, opts.grid.len()] {
        let mut h = InProcess::new(&rows, &y, 2, Some(run));
        let fitted = shared(&mut h, &rows, &y);
        assert_eq!(fitted.svm, svm, "a helper lost at run {run}");
        assert_eq!(h.count, 1, "the lost helper is no longer counted");
    }
}

#[test]
fn stop_ends_a_shared_fit_early() {
    let (x, y, dim) = features();
    let opts = options();
    let rows = FeatureMap::fit(opts.kernel, &x, dim, opts.pegasos.seed).apply_all(&x, |_| {});
    let mut h = InProcess::new(&rows, &y, 1, None);
    let mut calls = 0;
    let fitted = fit_shared(&rows, &y, opts, &mut h, |p| {
        calls += 1;
        assert!((0.0..1.0).contains(&p.progress), "progress {}", p.progress);
        let stop = calls == 5;
        async move { if stop { ControlFlow::Break(()) } else { ControlFlow::Continue(()) } }
    });
    assert!(pollster::block_on(fitted).is_none(), "stopped");
    assert_eq!(calls, 5, "no call after the Break");
    assert!(h.unloaded, "the helpers let the rows go");
}

#[test]
fn classes_are_shared_evenly_and_in_order() {
    assert_eq!(shares(10, 1), vec![0..10]);
    assert_eq!(shares(10, 2), vec![0..5, 5..10]);
    assert_eq!(shares(10, 3), vec![0..4, 4..7, 7..10]);
    assert_eq!(shares(12, 8), vec![0..2, 2..4, 4..6, 6..8, 8..9, 9..10, 10..11, 11..12]);
    // More workers than classes: one class each, the rest idle.
    assert_eq!(shares(3, 8), vec![0..1, 1..2, 2..3]);
}
