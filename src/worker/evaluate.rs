//! After training: the CNN on the test set, then the SVM on its features (with the λ search),
//! both reported to the page as they finish. Every long loop yields to the worker's event
//! loop, so progress reaches the page and Stop is seen.

use burn::prelude::Device;
use std::ops::ControlFlow;
use web_time::Instant;

use super::pool::Pool;
use super::run::stop_requested;
use super::send::{phase, send};
use super::wait::yield_now;
use crate::dataset::{IMAGE_PIXELS, Split};
use crate::metrics::{ClassificationReport, confusion_matrix};
use crate::model::Model;
use crate::neighbours::FeatureIndex;
use crate::pca::Pca;
use crate::protocol::{FeatureProjection, FromWorker, LambdaScore, Phase, Report, SvmResult, SvmStage, TestResult};
use crate::roc::{OneVsRest, one_vs_rest};
use crate::svm::shared::{Fitted, SvmHelpers, fit_shared};
use crate::svm::{FeatureMap, Fit, Kernel, Plan, SvmClassifier, SvmOptions};
use crate::train::infer_shared;
use crate::train::inference::InferenceHelpers;

/// Test images per inference batch: large enough to keep the backend busy, small enough that
/// progress moves several times a second on the CPU.
pub(super) const INFER_BATCH: usize = 500;

/// Points per drawn ROC or PR curve: the areas use every image.
const CURVE_POINTS: usize = 200;

/// The SVM fit runs in slices of about this long: few enough yields to cost nothing, often
/// enough for Stop.
const FIT_SLICE_MS: u128 = 30;

fn confusion(predicted: &[u8], labels: &[u8]) -> Vec<Vec<u32>> {
    confusion_matrix(predicted, labels).iter().map(|row| row.to_vec()).collect()
}

/// Yields to the worker's event loop, then says whether to go on (Stop not pressed).
pub(super) async fn continue_unless_stopped() -> ControlFlow<()> {
    yield_now().await;
    if stop_requested() { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
}

fn stopped_fit() -> Option<(SvmClassifier, f64)> {
    // Not an error: the user asked for it. Said where progress is reported.
    let message = "SVM fitting stopped: the CNN's results stand; press Train to train and fit again.".to_string();
    send(FromWorker::Stopped { message });
    None
}

fn stage(searching: bool, progress: f64, lambda: f64, scores: Option<Vec<LambdaScore>>) -> SvmStage {
    if searching { SvmStage::Search { progress, lambda, scores } } else { SvmStage::Final { progress, lambda, scores } }
}

fn kernel_label(kernel: Kernel) -> String {
    match kernel {
        Kernel::Linear => "linear".into(),
        Kernel::Rbf { dim, gamma } => format!("RBF (γ = {gamma}, {dim} random Fourier features)"),
    }
}

/// What an evaluation established; `None` where Stop cut it short.
#[derive(Default)]
pub struct Evaluation {
    pub cnn_accuracy: Option<f64>,
    pub svm: Option<(SvmClassifier, f64)>,
    /// The projection of the test images' feature map, for placing drawings on it.
    pub map: Option<Pca>,
}

/// Evaluates `model` on the first `total` images of `test` and fits the SVM on its features
/// of the first `n` of `train`; returns the SVM and its test accuracy unless the fit was
/// stopped. The training features, as far as they were extracted, are handed to
/// `on_neighbours` as a similarity index.
pub async fn evaluate(
    model: &Model,
    (train, n): (&Split, usize),
    (test, total): (&Split, usize),
    device: &Device,
    helpers: &mut Pool,
    options: &SvmOptions,
    on_neighbours: impl FnOnce(FeatureIndex),
) -> Result<Evaluation, String> {
    let test_labels = &test.labels[..total];
    phase(
        Phase::Evaluating,
        format!(
            "Testing the CNN on {total} test images, then fitting the SVM. Skip keeps the model as it is, untested."
        ),
    );
    let tested = infer_shared(model, test, total, device, INFER_BATCH, helpers, |done| {
        send(FromWorker::EvalProgress { done: done as u32, total: total as u32 });
        continue_unless_stopped()
    })
    .await?;
    if tested.predictions.len() < total {
        send(FromWorker::Stopped {
            message: "Test skipped: the model is kept untested (no test results, no SVM).".into(),
        });
        return Ok(Evaluation::default());
    }
    let cnn_report = ClassificationReport::new(&tested.predictions, test_labels);
    send(FromWorker::TestResult(Box::new(TestResult {
        cnn_accuracy: cnn_report.accuracy,
        test_count: total as u32,
        confusion: confusion(&tested.predictions, test_labels),
        report: Report::from(&cnn_report),
        images: test.images[..total * IMAGE_PIXELS].to_vec().into(),
        labels: test_labels.to_vec().into(),
        predictions: tested.predictions.clone().into(),
        confidence: tested.confidence.clone().into(),
        curves: one_vs_rest(&tested.probabilities, test_labels, CURVE_POINTS),
    })));
    let map = feature_map(&tested.features, tested.feature_dim);
    yield_now().await;
    let inputs = SvmInputs { train: (train, n), test_labels, test_features: &tested.features };
    let svm = fit_svm(model, inputs, device, helpers, options, on_neighbours).await?;
    Ok(Evaluation { cnn_accuracy: Some(cnn_report.accuracy), svm, map: Some(map) })
}

/// The test images' features on their two principal axes, sent to the page.
fn feature_map(features: &[f32], dim: usize) -> Pca {
    let pca = Pca::fit(features, dim, 2);
    send(FromWorker::FeatureMap(Box::new(FeatureProjection {
        points: pca.project_all(features).into(),
        method: "pca".into(),
        explained: pca.explained(),
    })));
    pca
}

/// One-vs-rest curves ranked by the SVM's margins of `rows`.
fn svm_curves(svm: &crate::svm::LinearSvm, rows: &crate::svm::Rows, labels: &[u8]) -> OneVsRest {
    let mut row = vec![0.0; rows.dim()];
    let mut scores = Vec::with_capacity(rows.len() * crate::dataset::NUM_CLASSES);
    for i in 0..rows.len() {
        rows.row(i, &mut row);
        scores.extend_from_slice(&svm.scores(&row));
    }
    one_vs_rest(&scores, labels, CURVE_POINTS)
}

/// What the SVM is fitted and tested on: the first `n` training images, the test set's labels
/// and its features.
struct SvmInputs<'a> {
    train: (&'a Split, usize),
    test_labels: &'a [u8],
    test_features: &'a [f32],
}

/// Fits the SVM on the model's features of `train` and tests it on `test_features`; `None`
/// when Stop cut it short.
async fn fit_svm(
    model: &Model,
    SvmInputs { train: (train, n), test_labels, test_features }: SvmInputs<'_>,
    device: &Device,
    helpers: &mut Pool,
    options: &SvmOptions,
    on_neighbours: impl FnOnce(FeatureIndex),
) -> Result<Option<(SvmClassifier, f64)>, String> {
    let started = Instant::now();
    phase(Phase::FittingSvm, format!("Extracting the CNN's features of {n} training images"));
    let features = infer_shared(model, train, n, device, INFER_BATCH, helpers, |done| {
        send(FromWorker::SvmProgress(SvmStage::Features { done: done as u32, total: n as u32 }));
        continue_unless_stopped()
    })
    .await?;
    if !features.predictions.is_empty() {
        on_neighbours(FeatureIndex::new(&features.features, features.feature_dim));
    }
    if features.predictions.len() < n {
        return Ok(stopped_fit());
    }
    let feature_seconds = started.elapsed().as_secs_f64();
    let feature_workers = helpers.helper_count() as u32 + 1;
    let started = Instant::now();

    phase(Phase::FittingSvm, format!("Mapping features for a {} kernel", options.kernel.name()));
    // The helpers map theirs meanwhile, for the runs they share.
    helpers.load_fit(&features.features, &train.labels[..n], options);
    let map = FeatureMap::fit(options.kernel, &features.features, features.feature_dim, options.pegasos.seed);
    // Seconds of work for an RBF map of 60,000 rows: progress is sent from inside it (the
    // worker cannot yield there, but the page is not blocked).
    let rows = map.apply_all(&features.features, |done| {
        send(FromWorker::SvmProgress(SvmStage::Map { done: done as u32, total: n as u32 }));
    });
    drop(features);
    let test_rows = map.apply_all(test_features, |_| {});
    yield_now().await;

    let plan = Plan::new(n, options.clone());
    let workers = helpers.svm_helper_count() + 1;
    let over = if workers > 1 { format!(", the classes shared by {workers} workers") } else { String::new() };
    phase(
        Phase::FittingSvm,
        if plan.is_searching() {
            let values = options.grid.len();
            format!("Fitting Pegasos SVMs for {values} values of λ on 90% of the training features{over}")
        } else {
            format!("Fitting the Pegasos SVM with λ = {:e}{over}", plan.best_lambda(&[]))
        },
    );
    let mut last_yield = Instant::now();
    let fitted = fit_shared(&rows, &train.labels[..n], options.clone(), helpers, |p| {
        // Told and yielded every ~30 ms, not at every call.
        let due = p.new_score || last_yield.elapsed().as_millis() >= FIT_SLICE_MS;
        if due {
            last_yield = Instant::now();
            send(FromWorker::SvmProgress(stage(
                p.searching,
                p.progress,
                p.lambda,
                p.new_score.then(|| p.scores.to_vec()),
            )));
        }
        async move { if due { continue_unless_stopped().await } else { ControlFlow::Continue(()) } }
    })
    .await;
    let Some(Fitted { svm, lambda, scores }) = fitted else { return Ok(stopped_fit()) };
    let fit_seconds = started.elapsed().as_secs_f64();
    let predicted = svm.predict_rows(&test_rows);
    let report = ClassificationReport::new(&predicted, test_labels);
    send(FromWorker::SvmResult(Box::new(SvmResult {
        svm_accuracy: report.accuracy,
        lambda,
        kernel: kernel_label(options.kernel),
        scores,
        confusion: confusion(&predicted, test_labels),
        report: Report::from(&report),
        predictions: predicted.into(),
        curves: svm_curves(&svm, &test_rows, test_labels),
        train_rows: n as u32,
        feature_seconds,
        feature_workers,
        fit_seconds,
    })));
    Ok(Some((SvmClassifier { map, svm, lambda }, report.accuracy)))
}

/// Runs the fit to its end, reporting progress; `false` when Stop cut it short.
pub(super) async fn run_fit(fit: &mut Fit<'_>) -> bool {
    let mut sent_scores = 0;
    loop {
        let slice = Instant::now();
        let mut finished = false;
        while !finished && slice.elapsed().as_millis() < FIT_SLICE_MS {
            finished = fit.step(50);
        }
        let new_score = fit.scores().len() > sent_scores;
        sent_scores = fit.scores().len();
        let (progress, lambda) = (fit.progress(), fit.current_lambda());
        let scores = new_score.then(|| fit.scores().to_vec());
        send(FromWorker::SvmProgress(stage(fit.is_searching(), progress, lambda, scores)));
        if finished {
            return true;
        }
        if stop_requested() {
            return false;
        }
        yield_now().await;
    }
}
