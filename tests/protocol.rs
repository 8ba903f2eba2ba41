//! Every message of the page/worker boundary survives `protocol::encode` and `protocol::decode`
//! (with serde_json standing in for serde-wasm-bindgen), bulk buffers travel out of band, and a
//! message with missing or mistyped buffers is an error, never a panic.
#![cfg(not(target_arch = "wasm32"))]

use fashion_cnn::arch::Arch;
use fashion_cnn::dataset::{IMAGE_PIXELS, NUM_CLASSES};
use fashion_cnn::protocol::{
    Answer, BULK_KEY, BackendKind, Buffer, Bulk, CONTROL_KEY, ClassesFitted, DatasetView, FaultKind, FeatureProjection,
    FromWorker, HeldOut, LambdaScore, MapStack, ModelDescription, ModelSource, Neighbours, Phase, Prediction, Report,
    ReportRow, SamplePage, SavePurpose, StepCost, SvmAnswer, SvmResult, SvmStage, TestResult, ToWorker, TrainPoint,
    decode, encode,
};
use fashion_cnn::roc::{Curve, OneVsRest};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt::Debug;

/// Samples of every variant of an enum, as `Pattern => samples` arms. The patterns also form a
/// `match` with no wildcard arm, so a variant added to the enum does not compile here until it
/// has an arm; each sample must match its arm's pattern, and each arm must give one.
macro_rules! every_variant {
    ($ty:ty; $($pat:pat => $samples:expr),+ $(,)?) => {{
        fn named(m: &$ty) {
            match m {
                $($pat => {})+
            }
        }
        let mut all: Vec<$ty> = Vec::new();
        $(
            let samples: Vec<$ty> = $samples.into_iter().collect();
            assert!(!samples.is_empty(), "no sample for {}", stringify!($pat));
            for s in samples {
                assert!(matches!(s, $pat), "{s:?} is not a {}", stringify!($pat));
                named(&s);
                all.push(s);
            }
        )+
        all
    }};
}

fn round_trip<M: Serialize + DeserializeOwned + PartialEq + Debug>(msg: &M) -> M {
    let (control, buffers) = encode(msg, |m| serde_json::to_value(m)).expect("serialisable");
    decode(buffers, || serde_json::from_value::<M>(control.clone()))
        .unwrap_or_else(|e| panic!("{msg:?} did not decode from {control}: {e}"))
}

fn assert_round_trips<M: Serialize + DeserializeOwned + PartialEq + Debug>(samples: &[M]) {
    for msg in samples {
        assert_eq!(&round_trip(msg), msg);
    }
}

fn ramp(n: usize, scale: f32) -> Vec<f32> {
    (0..n).map(|i| (i as f32 - n as f32 / 3.0) * scale).collect()
}

fn bytes(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 37 % 256) as u8).collect()
}

fn sources() -> Vec<ModelSource> {
    every_variant!(ModelSource;
        ModelSource::Pretrained => [ModelSource::Pretrained],
        ModelSource::Saved => [ModelSource::Saved],
        ModelSource::File => [ModelSource::File],
        ModelSource::Trained => [ModelSource::Trained],
        ModelSource::Checkpoint => [ModelSource::Checkpoint],
    )
}

fn phases() -> Vec<Phase> {
    every_variant!(Phase;
        Phase::Loading => [Phase::Loading],
        Phase::Ready => [Phase::Ready],
        Phase::Training => [Phase::Training],
        Phase::Evaluating => [Phase::Evaluating],
        Phase::FittingSvm => [Phase::FittingSvm],
        Phase::Done => [Phase::Done],
        Phase::Error => [Phase::Error],
    )
}

fn faults() -> Vec<FaultKind> {
    every_variant!(FaultKind;
        FaultKind::Panic => [FaultKind::Panic],
        FaultKind::LoseGpu => [FaultKind::LoseGpu],
        FaultKind::HelperPanic => [FaultKind::HelperPanic],
    )
}

fn backends() -> Vec<BackendKind> {
    every_variant!(BackendKind;
        BackendKind::WebGpu => [BackendKind::WebGpu],
        BackendKind::Cpu => [BackendKind::Cpu],
    )
}

fn purposes() -> Vec<SavePurpose> {
    every_variant!(SavePurpose;
        SavePurpose::Download => [SavePurpose::Download],
        SavePurpose::Store => [SavePurpose::Store],
    )
}

fn lambda_scores() -> Vec<LambdaScore> {
    vec![LambdaScore { lambda: 1e-5, accuracy: 0.861 }, LambdaScore { lambda: 3e-4, accuracy: 0.8725 }]
}

fn stages() -> Vec<SvmStage> {
    every_variant!(SvmStage;
        SvmStage::Features { .. } => [SvmStage::Features { done: 1024, total: 60_000 }],
        SvmStage::Map { .. } => [SvmStage::Map { done: 0, total: 60_000 }],
        SvmStage::Search { .. } => [
            SvmStage::Search { progress: 0.25, lambda: 1e-4, scores: None },
            SvmStage::Search { progress: 0.5, lambda: 3e-4, scores: Some(lambda_scores()) },
        ],
        SvmStage::Final { .. } => [
            SvmStage::Final { progress: 0.9, lambda: 3e-4, scores: Some(lambda_scores()) },
            SvmStage::Final { progress: 1.0, lambda: 1e-4, scores: None },
        ],
    )
}

fn to_worker() -> Vec<ToWorker> {
    every_variant!(ToWorker;
        ToWorker::Init { .. } => [ToWorker::Init { query: "backend=cpu&train_limit=600".into() }],
        ToWorker::Train { .. } => [ToWorker::Train { query: "arch=one-conv&epochs=2&lr=0.003".into() }],
        ToWorker::Stop => [ToWorker::Stop],
        ToWorker::SkipEvaluation => [ToWorker::SkipEvaluation],
        ToWorker::Retry => [ToWorker::Retry],
        ToWorker::Classify { .. } => [false, true].map(|as_is| ToWorker::Classify { seq: 7, width: 3, height: 2, rgba: Bulk(bytes(3 * 2 * 4)), as_is }),
        ToWorker::LoadModel { .. } => sources()
            .into_iter()
            .map(|source| ToWorker::LoadModel { bytes: Bulk(bytes(300)), source, name: "my model.fmnist".into() }),
        ToWorker::SaveModel { .. } => purposes().into_iter().map(|purpose| ToWorker::SaveModel { purpose }),
        ToWorker::Samples { .. } => [ToWorker::Samples { class: 3, page: 12 }],
        ToWorker::AddExample { .. } => [false, true].map(|as_is| ToWorker::AddExample {
            name: "Star ✶".into(),
            width: 2,
            height: 2,
            rgba: Bulk(bytes(16)),
            as_is,
        }),
        ToWorker::RemoveClass { .. } => [ToWorker::RemoveClass { name: "Star".into() }],
        ToWorker::FitClasses { .. } => [ToWorker::FitClasses { named: String::new() }],
        ToWorker::Memory => [ToWorker::Memory],
        ToWorker::Fault { .. } => faults().into_iter().map(|kind| ToWorker::Fault { kind }),
    )
}

fn row(precision: f64, recall: f64, support: u32) -> ReportRow {
    ReportRow { precision, recall, f1: 2.0 * precision * recall / (precision + recall), support }
}

fn report() -> Report {
    Report {
        classes: (0..NUM_CLASSES as u32)
            .map(|c| row(0.8 + f64::from(c) / 100.0, 0.9 - f64::from(c) / 200.0, 100 + c))
            .collect(),
        macro_avg: row(0.85, 0.88, 1045),
        weighted_avg: row(0.851, 0.879, 1045),
    }
}

fn confusion() -> Vec<Vec<u32>> {
    (0..NUM_CLASSES).map(|r| (0..NUM_CLASSES).map(|c| if r == c { 90 } else { (r + c) as u32 % 3 }).collect()).collect()
}

fn curves(shift: f32) -> OneVsRest {
    let curve = |k: usize| Curve {
        points: vec![[0.0, 0.0], [0.1 * k as f32, 0.5 + shift], [1.0, 1.0]],
        area: 0.9 + k as f64 / 100.0,
    };
    OneVsRest {
        roc: (0..NUM_CLASSES).map(curve).collect(),
        pr: (0..NUM_CLASSES).map(|k| curve(NUM_CLASSES - k)).collect(),
        macro_auc: 0.945,
        macro_ap: 0.875,
    }
}

fn test_result() -> TestResult {
    let n = 3;
    TestResult {
        cnn_accuracy: 0.8875,
        test_count: n as u32,
        confusion: confusion(),
        report: report(),
        images: Bulk(bytes(n * IMAGE_PIXELS)),
        labels: Bulk(vec![9, 2, 1]),
        predictions: Bulk(vec![9, 6, 1]),
        confidence: Bulk(vec![0.99, 0.51, 0.875]),
        curves: curves(0.0),
    }
}

fn svm_result(scores: Vec<LambdaScore>) -> SvmResult {
    SvmResult {
        svm_accuracy: 0.8912,
        lambda: 3e-4,
        kernel: "RBF (γ = 0.02, 1024 random Fourier features)".into(),
        scores,
        confusion: confusion(),
        report: report(),
        predictions: Bulk(vec![9, 2, 1, 1, 6]),
        curves: curves(0.125),
        train_rows: 60_000,
        feature_seconds: 4.5,
        feature_workers: 2,
        fit_seconds: 12.25,
    }
}

fn description(arch: Arch, source: ModelSource, accuracies: Option<(f64, f64)>) -> ModelDescription {
    ModelDescription {
        arch,
        source,
        has_svm: accuracies.is_some(),
        has_neighbours: accuracies.is_some(),
        settings: format!("arch={}&epochs=3", arch.name()),
        made_by: "page".into(),
        cnn_accuracy: accuracies.map(|a| a.0),
        svm_accuracy: accuracies.map(|a| a.1),
        test_images: 10_000,
        trained_images: 60_000,
    }
}

fn maps(count: u32, side: u32) -> MapStack {
    MapStack { count, side, values: Bulk(ramp((count * side * side) as usize, 0.01)) }
}

fn answer(full: bool) -> Answer {
    let k = 3;
    Answer {
        cnn_class: 8,
        probabilities: Bulk(ramp(NUM_CLASSES, 0.05)),
        svm: full.then(|| SvmAnswer { class: 8, scores: Bulk(ramp(NUM_CLASSES, -0.3)) }),
        activations: maps(32, 28),
        filters: maps(32, 3),
        neighbours: full.then(|| Neighbours {
            indices: Bulk(vec![12, 59_999, 4]),
            labels: Bulk(vec![8, 8, 0]),
            similarity: Bulk(vec![0.93, 0.9, 0.71]),
            images: Bulk(bytes(k * IMAGE_PIXELS)),
            searched: 60_000,
        }),
        map_point: full.then_some([1.5, -0.25]),
        millis: 3.75,
    }
}

fn prediction(answer: Option<Answer>) -> Prediction {
    Prediction {
        seq: 12,
        image: Bulk(bytes(IMAGE_PIXELS)),
        empty: answer.is_none(),
        inverted: true,
        filled_outline: false,
        has_model: answer.is_some(),
        answer,
    }
}

fn errors() -> [FromWorker; 2] {
    [
        FromWorker::Error { message: "The dataset could not be downloaded.".into(), panic: false, retry: true },
        FromWorker::Error { message: "The worker stopped (index out of bounds).".into(), panic: true, retry: false },
    ]
}

fn batch() -> FromWorker {
    let points =
        vec![TrainPoint { step: 41, loss: 0.61, accuracy: 0.78 }, TrainPoint { step: 42, loss: 0.58, accuracy: 0.8 }];
    FromWorker::Batch { epoch: 1, step: 42, points, images_per_second: 2150.5, elapsed: 1.25, eta: 80.0 }
}

fn trained() -> [FromWorker; 3] {
    let sample = |arch, images_per_second, warm_images_per_second, train_seconds, train_images| FromWorker::Trained {
        arch,
        images_per_second,
        warm_images_per_second,
        train_seconds,
        train_images,
        cost: StepCost { workers: 2, build_ms: 41.5, dispatches: None, submits: None },
    };
    let on_gpu = FromWorker::Trained {
        arch: Arch::ThreeConv,
        images_per_second: 50.0,
        warm_images_per_second: Some(52.0),
        train_seconds: 120.0,
        train_images: 6400,
        cost: StepCost { workers: 1, build_ms: 180.0, dispatches: Some(212.0), submits: Some(3.5) },
    };
    [sample(Arch::BnCnn, 2000.0, Some(2300.0), 84.5, 60_000), sample(Arch::OneConv, 900.0, None, 3.0, 600), on_gpu]
}

fn models_ready() -> impl Iterator<Item = FromWorker> {
    sources().into_iter().enumerate().map(|(i, source)| {
        let accuracies = (i % 2 == 0).then_some((0.91, 0.915));
        FromWorker::ModelReady(Box::new(description(Arch::ALL[i % Arch::ALL.len()], source, accuracies)))
    })
}

fn heatmap() -> FromWorker {
    let (heat, image) = (Bulk(ramp(IMAGE_PIXELS, 0.001)), Bulk(bytes(IMAGE_PIXELS)));
    FromWorker::Heatmap { seq: 12, class: 8, heat, image, millis: 21.5 }
}

fn memory() -> [FromWorker; 2] {
    [
        FromWorker::Memory {
            wasm_bytes: 268_435_456.0,
            heap_bytes: 61_234_567.0,
            gpu_bytes: Some(52_428_800.0),
            gpu_buffers: Some(311),
        },
        FromWorker::Memory { wasm_bytes: 134_217_728.0, heap_bytes: 1_024.0, gpu_bytes: None, gpu_buffers: None },
    ]
}

fn from_worker() -> Vec<FromWorker> {
    every_variant!(FromWorker;
        FromWorker::WasmDownload { .. } => [
            FromWorker::WasmDownload { loaded: 262_144.0, total: Some(22_661_310.0) },
            FromWorker::WasmDownload { loaded: 1.0, total: None },
        ],
        FromWorker::Alive => [FromWorker::Alive],
        FromWorker::Phase { .. } => phases().into_iter().map(|phase| FromWorker::Phase { phase, detail: "1/3".into() }),
        FromWorker::Error { .. } => errors(),
        FromWorker::Warning { .. } => [FromWorker::Warning { message: "No WebGPU adapter: using the CPU.".into() }],
        FromWorker::GpuLost { .. } => [FromWorker::GpuLost { reason: "destroyed".into(), message: "Lost.".into() }],
        FromWorker::Workers { .. } => [FromWorker::Workers { count: 4 }],
        FromWorker::Backend { .. } => {
            backends().into_iter().map(|kind| FromWorker::Backend { kind, label: format!("{} (test)", kind.as_str()) })
        },
        FromWorker::Download { .. } => [FromWorker::Download { loaded: 1_048_576.0, total: 30_878_645.0 }],
        FromWorker::Dataset { .. } => [FromWorker::Dataset { train: 60_000, test: 10_000 }],
        FromWorker::DatasetView(..) => [FromWorker::DatasetView(Box::new(DatasetView {
            train_counts: vec![6000; NUM_CLASSES],
            test_counts: vec![1000; NUM_CLASSES],
            means: Bulk(bytes(NUM_CLASSES * IMAGE_PIXELS)),
            histogram: (0..32).map(|i| 1000 * i).collect(),
        }))],
        FromWorker::Samples(..) => [FromWorker::Samples(Box::new(SamplePage {
            class: 3,
            page: 1,
            pages: 188,
            total: 6000,
            indices: Bulk(vec![7, 19]),
            images: Bulk(bytes(2 * IMAGE_PIXELS)),
        }))],
        FromWorker::CustomClasses { .. } => [
            FromWorker::CustomClasses { names: vec!["Star".into(), "Heart".into()], counts: vec![10, 3], fitted: false },
            FromWorker::CustomClasses { names: Vec::new(), counts: Vec::new(), fitted: true },
        ],
        FromWorker::ClassError { .. } => [FromWorker::ClassError { message: "No examples.".into() }],
        FromWorker::ClassProgress { .. } => [FromWorker::ClassProgress { done: 500, total: 20_250 }],
        FromWorker::ClassesFitted(..) => [FromWorker::ClassesFitted(ClassesFitted {
            before: 0.9215,
            after: 0.9125,
            test_images: 2000,
            train_images: 20_000,
            examples: 250,
            seconds: 12.5,
        })],
        FromWorker::FeatureMap(..) => [FromWorker::FeatureMap(Box::new(FeatureProjection {
            points: Bulk(ramp(6, -0.5)),
            method: "pca".into(),
            explained: 0.4375,
        }))],
        FromWorker::TrainStart { .. } => {
            Arch::ALL.map(|arch| FromWorker::TrainStart { arch, epochs: 3, batches: 2814, batches_per_epoch: 938 })
        },
        FromWorker::Batch { .. } => [batch()],
        FromWorker::Epoch { .. } => [None, Some(HeldOut { accuracy: 0.871, images: 1000 })]
            .map(|held_out| FromWorker::Epoch { epoch: 1, step: 938, loss: 0.41, accuracy: 0.853, held_out }),
        FromWorker::Stopped { .. } => [FromWorker::Stopped { message: "Stopped after 120 batches.".into() }],
        FromWorker::Trained { .. } => trained(),
        FromWorker::EvalProgress { .. } => [FromWorker::EvalProgress { done: 2048, total: 10_000 }],
        FromWorker::IndexProgress { .. } => [FromWorker::IndexProgress { done: 5000, total: 60_000 }],
        FromWorker::TestResult(..) => [FromWorker::TestResult(Box::new(test_result()))],
        FromWorker::SvmProgress(..) => stages().into_iter().map(FromWorker::SvmProgress),
        FromWorker::SvmResult(..) => {
            [lambda_scores(), Vec::new()].map(|scores| FromWorker::SvmResult(Box::new(svm_result(scores))))
        },
        FromWorker::Checkpoint { .. } => {
            [FromWorker::Checkpoint { step: 400, batches: 2814, bytes: Bulk(bytes(1000)) }]
        },
        FromWorker::ModelReady(..) => models_ready(),
        FromWorker::ModelFile { .. } => purposes()
            .into_iter()
            .map(|purpose| FromWorker::ModelFile { purpose, arch: Arch::ThreeConv, bytes: Bulk(bytes(777)) }),
        FromWorker::ModelError { .. } => sources()
            .into_iter()
            .map(Some)
            .chain([None])
            .map(|source| FromWorker::ModelError { source, message: "Not a model file.".into() }),
        FromWorker::Prediction(..) => {
            [Some(answer(true)), Some(answer(false)), None].map(|a| FromWorker::Prediction(Box::new(prediction(a))))
        },
        FromWorker::Heatmap { .. } => [heatmap()],
        FromWorker::Memory { .. } => memory(),
    )
}

#[test]
fn every_message_to_the_worker_round_trips() {
    assert_round_trips(&to_worker());
}

#[test]
fn every_message_from_the_worker_round_trips() {
    assert_round_trips(&from_worker());
}

/// The data-parallel helpers' messages (protocol/helper.rs).
#[test]
fn every_message_between_the_worker_and_its_helpers_round_trips() {
    use fashion_cnn::protocol::helper::{CpuBackend, FromHelper, ToHelper};
    use fashion_cnn::svm::{Kernel, Run, SvmOptions};
    let to = every_variant!(ToHelper;
        ToHelper::Start { .. } => [
            ToHelper::Start { arch: Arch::BnCnn, smoothing: 0.1, backend: CpuBackend::Flex },
            ToHelper::Start { arch: Arch::ThreeConv, smoothing: 0.0, backend: CpuBackend::NdArray },
        ],
        ToHelper::Shard { .. } => [ToHelper::Shard {
            step: 3,
            parameters: Bulk(ramp(500, 0.01)),
            stats: Bulk(ramp(20, 0.5)),
            pixels: Bulk(ramp(2 * IMAGE_PIXELS, 0.001)),
            labels: Bulk(vec![9, 0]),
        }],
        ToHelper::Load { .. } => [ToHelper::Load { parameters: Bulk(ramp(500, 0.01)), stats: Bulk(Vec::new()) }],
        ToHelper::Infer { .. } => [ToHelper::Infer { id: 7, pixels: Bulk(ramp(3 * IMAGE_PIXELS, 0.001)) }],
        ToHelper::FitFeatures { .. } => [
            ToHelper::FitFeatures { features: Bulk(ramp(3 * 128, 0.02)), labels: Bulk(vec![1, 2, 9]), options: SvmOptions::default() },
            ToHelper::FitFeatures {
                features: Bulk(ramp(2 * 4, 0.5)),
                labels: Bulk(vec![0, 11]),
                options: SvmOptions { kernel: Kernel::Linear, lambda: Some(3e-5), grid: vec![1e-6], ..SvmOptions::default() },
            },
        ],
        ToHelper::SvmRun { .. } => [
            ToHelper::SvmRun { id: 4, run: Run::Search { k: 2 }, start: 0, end: 5 },
            ToHelper::SvmRun { id: 5, run: Run::Final { lambda: 1e-5 }, start: 5, end: 10 },
        ],
        ToHelper::DropFit => [ToHelper::DropFit],
        ToHelper::Panic => [ToHelper::Panic],
    );
    assert_round_trips(&to);
    let from = every_variant!(FromHelper;
        FromHelper::Alive => [FromHelper::Alive],
        FromHelper::Ready => [FromHelper::Ready],
        FromHelper::Shard { .. } => [FromHelper::Shard {
            step: 3,
            loss: 2.25,
            correct: 1,
            size: 2,
            gradients: Bulk(ramp(500, -0.02)),
            stats: Bulk(Vec::new()),
        }],
        FromHelper::Output { .. } => [FromHelper::Output {
            id: 7,
            logits: Bulk(ramp(30, -0.5)),
            features: Bulk(ramp(3 * 128, 0.02)),
        }],
        FromHelper::Weights { .. } => [FromHelper::Weights { id: 5, weights: Bulk(ramp(5 * 1025, -0.001)) }],
        FromHelper::Failed { .. } => [FromHelper::Failed { message: "panicked at here".into() }],
    );
    assert_round_trips(&from);
}

#[test]
fn every_value_of_the_small_enums_round_trips() {
    assert_round_trips(&sources());
    assert_round_trips(&phases());
    assert_round_trips(&faults());
    assert_round_trips(&backends());
    assert_round_trips(&purposes());
    assert_round_trips(&stages());
}

#[test]
fn bulk_vectors_travel_beside_the_control_value() {
    let msg = FromWorker::Prediction(Box::new(prediction(Some(answer(true)))));
    let (control, buffers) = encode(&msg, |m| serde_json::to_value(m)).unwrap();
    // In field order: image; probabilities, svm scores, activations, filters; the neighbours.
    let kinds: Vec<&str> = buffers
        .iter()
        .map(|b| match b {
            Buffer::U8(_) => "u8",
            Buffer::U32(_) => "u32",
            Buffer::F32(_) => "f32",
        })
        .collect();
    assert_eq!(kinds, ["u8", "f32", "f32", "f32", "f32", "u32", "u8", "f32", "u8"]);
    assert_eq!(buffers[0], Buffer::U8(bytes(IMAGE_PIXELS)));
    // Only indices in the control value: no array in it is longer than the confusion rows.
    let text = control.to_string();
    assert!(text.len() < 1000, "bulk data leaked into the control value: {} bytes", text.len());
    assert_eq!(control["Prediction"]["image"], 0);
    assert_eq!(control["Prediction"]["answer"]["neighbours"]["images"], 8);
}

fn classify() -> (serde_json::Value, Vec<Buffer>) {
    encode(&classify_message(), |m| serde_json::to_value(m)).unwrap()
}

fn decode_to_worker(control: &serde_json::Value, buffers: Vec<Buffer>) -> Result<ToWorker, serde_json::Error> {
    decode(buffers, || serde_json::from_value(control.clone()))
}

#[test]
fn a_missing_bulk_buffer_is_an_error() {
    let (control, _) = classify();
    let err = decode_to_worker(&control, Vec::new()).unwrap_err();
    assert!(err.to_string().contains("no bulk buffer 0"), "{err}");
    // An index past the end, and one buffer claimed twice.
    let mut control_far = control.clone();
    control_far["Classify"]["rgba"] = 5.into();
    assert!(decode_to_worker(&control_far, vec![Buffer::U8(vec![1; 4])]).is_err());
    let twice = FromWorker::Heatmap { seq: 1, class: 0, heat: Bulk(vec![0.5]), image: Bulk(vec![9]), millis: 1.0 };
    let (mut control_twice, buffers) = encode(&twice, |m| serde_json::to_value(m)).unwrap();
    control_twice["Heatmap"]["image"] = 0.into();
    control_twice["Heatmap"]["heat"] = 0.into();
    let err = decode(buffers, || serde_json::from_value::<FromWorker>(control_twice)).unwrap_err();
    assert!(err.to_string().contains("no bulk buffer 0"), "{err}");
}

#[test]
fn a_bulk_buffer_of_another_type_is_an_error() {
    let (control, _) = classify();
    for wrong in [Buffer::F32(vec![0.0; 4]), Buffer::U32(vec![0; 4])] {
        let err = decode_to_worker(&control, vec![wrong]).unwrap_err();
        assert!(err.to_string().contains("another type"), "{err}");
    }
    let mut not_an_index = control.clone();
    not_an_index["Classify"]["rgba"] = "zero".into();
    assert!(decode_to_worker(&not_an_index, vec![Buffer::U8(vec![0; 4])]).is_err());
}

#[test]
fn a_message_after_a_failed_one_decodes() {
    let (control, buffers) = classify();
    assert!(decode_to_worker(&control, vec![Buffer::F32(vec![0.0])]).is_err());
    assert_eq!(decode_to_worker(&control, buffers).unwrap(), classify_message());
}

fn classify_message() -> ToWorker {
    ToWorker::Classify { seq: 1, width: 1, height: 1, rgba: Bulk(vec![0, 0, 0, 255]), as_is: false }
}

#[test]
fn names_are_the_contracts() {
    let names: Vec<&str> = phases().into_iter().map(Phase::as_str).collect();
    assert_eq!(names, ["loading", "ready", "training", "evaluating", "fitting-svm", "done", "error"]);
    let running: Vec<&str> = phases().into_iter().filter(|p| p.is_running()).map(Phase::as_str).collect();
    assert_eq!(running, ["training", "evaluating", "fitting-svm"]);
    let names: Vec<&str> = backends().into_iter().map(BackendKind::as_str).collect();
    assert_eq!(names, ["webgpu", "cpu"]);
    let names: Vec<&str> = sources().into_iter().map(ModelSource::as_str).collect();
    assert_eq!(names, ["pretrained", "saved", "file", "trained", "checkpoint"]);
}

#[test]
fn faults_parse_from_their_names() {
    assert_eq!("lose-gpu".parse::<FaultKind>(), Ok(FaultKind::LoseGpu));
    assert_eq!("panic".parse::<FaultKind>(), Ok(FaultKind::Panic));
    assert_eq!("helper-panic".parse::<FaultKind>(), Ok(FaultKind::HelperPanic));
    let err = "lose-cpu".parse::<FaultKind>().unwrap_err();
    assert!(err.contains("lose-cpu") && err.contains("lose-gpu"), "{err}");
}

/// `web/worker.js` writes one message by hand, before the worker's Rust runs: its literal,
/// read from the file and given numbers, must decode as that message.
#[test]
fn the_wasm_download_message_written_in_worker_js_decodes() {
    let js = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/web/worker.js")).unwrap();
    let start = js.find("self.postMessage(").expect("worker.js posts a message") + "self.postMessage(".len();
    let literal = &js[start..start + js[start..].find(")").unwrap()];
    // `{ m: { WasmDownload: { loaded: loaded, total: total } }, b: [] }` as JSON, with values
    // for the variables.
    let mut json = String::new();
    for token in literal.split_inclusive(['{', '}', ',', ':', ' ']) {
        let (word, sep) = token.split_at(token.len() - 1);
        let word = word.trim();
        let after_colon = json.trim_end().ends_with(':');
        match word {
            "" => {}
            "loaded" if after_colon => json.push_str("1048576"),
            "total" if after_colon => json.push_str("22661310"),
            "[]" => json.push_str("[]"),
            w => json.push_str(&format!("\"{w}\"")),
        }
        json.push_str(sep);
    }
    let posted: serde_json::Value =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("{literal} read as {json}: {e}"));
    assert_eq!(posted[BULK_KEY], serde_json::json!([]), "{json}");
    let msg: FromWorker = serde_json::from_value(posted[CONTROL_KEY].clone()).unwrap_or_else(|e| panic!("{json}: {e}"));
    assert_eq!(msg, FromWorker::WasmDownload { loaded: 1_048_576.0, total: Some(22_661_310.0) });
    let unknown: FromWorker = serde_json::from_str(r#"{"WasmDownload":{"loaded":5,"total":null}}"#).unwrap();
    assert_eq!(unknown, FromWorker::WasmDownload { loaded: 5.0, total: None });
}
