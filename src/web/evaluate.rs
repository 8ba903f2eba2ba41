//! After training: the CNN on the test set, then the SVM on its features (with the λ search),
//! both reported to the page as they finish. Every long loop yields to the worker's event
//! loop, so progress reaches the page and Stop is seen.

use burn::prelude::Device;
use std::ops::ControlFlow;
use js_sys::{Array, Float64Array, Uint8Array, Uint32Array};
use wasm_bindgen::JsValue;
use web_time::Instant;

use super::messages::{num, phase, post};
use super::session::{stop_requested, yield_now};
use crate::dataset::{CLASS_NAMES, IMAGE_PIXELS, Split};
use crate::metrics::{ClassificationReport, confusion_matrix};
use crate::model::Model;
use crate::neighbours::FeatureIndex;
use crate::svm::{Fit, FeatureMap, Kernel, SvmClassifier, SvmOptions};
use crate::train::infer_split;

/// Test images per inference batch: large enough to keep the backend busy, small enough that
/// progress moves several times a second on the CPU.
const INFER_BATCH: usize = 500;

/// The report as a flat array: per class then macro and weighted average, each
/// `[precision, recall, f1, support]`.
fn report_array(r: &ClassificationReport) -> JsValue {
    let rows = r.classes.iter().chain([&r.macro_avg, &r.weighted_avg]);
    let flat: Vec<f64> = rows.flat_map(|c| [c.precision, c.recall, c.f1, c.support as f64]).collect();
    Float64Array::from(&flat[..]).into()
}

fn confusion_array(predicted: &[u8], labels: &[u8]) -> JsValue {
    let flat: Vec<u32> = confusion_matrix(predicted, labels).iter().flatten().copied().collect();
    Uint32Array::from(&flat[..]).into()
}

/// Yields to the worker's event loop, then says whether to go on (Stop not pressed).
async fn continue_unless_stopped() -> ControlFlow<()> {
    yield_now().await;
    if stop_requested() { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
}

fn stopped_fit() -> Option<(SvmClassifier, f64)> {
    // Not an error: the user asked for it. Said where progress is reported.
    post("stopped", &[("message", "SVM fitting stopped: the CNN's results stand; press Train to train and fit again.".into())]);
    None
}

/// The λ search so far as a flat `[λ, validation accuracy, ...]` array.
fn scores_array(fit: &Fit) -> JsValue {
    let flat: Vec<f64> = fit.scores().iter().flat_map(|s| [s.lambda, s.accuracy]).collect();
    Float64Array::from(&flat[..]).into()
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
}

/// Evaluates `model` on `test` and fits the SVM on its features of `train`; returns the SVM
/// and its test accuracy unless the fit was stopped. The training features, as far as they were extracted, are
/// handed to `on_neighbours` as a similarity index.
pub async fn evaluate(
    model: &Model,
    (train, n): (&Split, usize),
    (test, total): (&Split, usize),
    device: &Device,
    options: &SvmOptions,
    on_neighbours: impl FnOnce(FeatureIndex),
) -> Result<Evaluation, String> {
    let test_labels = &test.labels[..total];
    let train_labels = &train.labels[..n];
    phase("evaluating", &format!("Testing the CNN on {total} test images"));
    let tested = infer_split(model, test, total, device, INFER_BATCH, |done| {
        post("eval-progress", &[("done", num(done as f64)), ("total", num(total as f64))]);
        continue_unless_stopped()
    })
    .await?;
    if tested.predictions.len() < total {
        post("stopped", &[("message", "Testing stopped: no test results.".into())]);
        return Ok(Evaluation::default());
    }
    let cnn_report = ClassificationReport::new(&tested.predictions, test_labels);
    let stopped = || Ok(Evaluation { cnn_accuracy: Some(cnn_report.accuracy), svm: stopped_fit() });
    post(
        "result",
        &[
            ("cnnAccuracy", num(cnn_report.accuracy)),
            ("testCount", num(total as f64)),
            ("confusion", confusion_array(&tested.predictions, test_labels)),
            ("report", report_array(&cnn_report)),
            ("classes", CLASS_NAMES.iter().map(|&c| JsValue::from(c)).collect::<Array>().into()),
            ("images", Uint8Array::from(&test.images[..total * IMAGE_PIXELS]).into()),
            ("labels", Uint8Array::from(test_labels).into()),
            ("predictions", Uint8Array::from(&tested.predictions[..]).into()),
        ],
    );

    let started = Instant::now();
    phase("fitting-svm", &format!("Extracting the CNN's features of {n} training images"));
    let features = infer_split(model, train, n, device, INFER_BATCH, |done| {
        post("svm-progress", &[("stage", "features".into()), ("done", num(done as f64)), ("total", num(n as f64))]);
        continue_unless_stopped()
    })
    .await?;
    if !features.predictions.is_empty() {
        on_neighbours(FeatureIndex::new(&features.features, features.feature_dim));
    }
    if features.predictions.len() < n {
        return stopped();
    }
    let feature_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();

    phase("fitting-svm", &format!("Mapping features for a {} kernel", options.kernel.name()));
    let map = FeatureMap::fit(options.kernel, &features.features, features.feature_dim, options.pegasos.seed);
    // Seconds of work for an RBF map of 60,000 rows: progress is posted from inside it (the
    // worker cannot yield there, but the page is not blocked).
    let rows = map.apply_all(&features.features, |done| {
        post("svm-progress", &[("stage", "map".into()), ("done", num(done as f64)), ("total", num(n as f64))]);
    });
    drop(features);
    let test_rows = map.apply_all(&tested.features, |_| {});
    yield_now().await;

    let mut fit = Fit::new(&rows, train_labels, options.clone());
    phase(
        "fitting-svm",
        &if fit.is_searching() {
            format!("Fitting Pegasos SVMs for {} values of λ on 90% of the training features", options.grid.len())
        } else {
            format!("Fitting the Pegasos SVM with λ = {:e}", fit.current_lambda())
        },
    );
    let mut posted_scores = 0;
    loop {
        // Slices of about 30 ms: few enough yields to cost nothing, often enough for Stop.
        let slice = Instant::now();
        let mut finished = false;
        while !finished && slice.elapsed().as_millis() < 30 {
            finished = fit.step(50);
        }
        let new_score = fit.scores().len() > posted_scores;
        posted_scores = fit.scores().len();
        post(
            "svm-progress",
            &[
                ("stage", if fit.is_searching() { "search" } else { "final" }.into()),
                ("progress", num(fit.progress())),
                ("lambda", num(fit.current_lambda())),
                ("scores", if new_score { scores_array(&fit) } else { JsValue::NULL }),
            ],
        );
        if finished {
            break;
        }
        if stop_requested() {
            return stopped();
        }
        yield_now().await;
    }
    let scores = scores_array(&fit);
    let (svm, lambda) = fit.finish();
    let fit_seconds = started.elapsed().as_secs_f64();
    let predicted = svm.predict_rows(&test_rows);
    let report = ClassificationReport::new(&predicted, test_labels);
    post(
        "svm-result",
        &[
            ("svmAccuracy", num(report.accuracy)),
            ("lambda", num(lambda)),
            ("kernel", kernel_label(options.kernel).into()),
            ("scores", scores),
            ("confusion", confusion_array(&predicted, test_labels)),
            ("report", report_array(&report)),
            ("predictions", Uint8Array::from(&predicted[..]).into()),
            ("trainRows", num(n as f64)),
            ("featureSeconds", num(feature_seconds)),
            ("fitSeconds", num(fit_seconds)),
        ],
    );
    Ok(Evaluation {
        cnn_accuracy: Some(cnn_report.accuracy),
        svm: Some((SvmClassifier { map, svm, lambda }, report.accuracy)),
    })
}
