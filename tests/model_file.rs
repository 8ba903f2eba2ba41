//! The model file: a trained CNN and its SVM written and read back answer exactly as before,
//! and files that are not whole models of a known architecture are refused with a reason.
#![cfg(not(target_arch = "wasm32"))]
mod common;

use burn::prelude::*;
use fashion_cnn::batch::{Batch, epoch_batches};
use fashion_cnn::model::{Arch, Model};
use fashion_cnn::model_file::{FileError, ModelFile, ModelInfo, VERSION, read_weights};
use fashion_cnn::svm::{FeatureMap, Fit, Kernel, SvmClassifier, SvmOptions};
use fashion_cnn::train::{Inference, Trainer, infer_split};
use rand::SeedableRng;
use rand::rngs::SmallRng;
use std::ops::ControlFlow;
use std::sync::OnceLock;

const TRAIN: usize = 3000;
const TEST: usize = 500;

fn infer(model: &Model, split: &fashion_cnn::dataset::Split, n: usize) -> Inference {
    pollster::block_on(infer_split(model, split, n, &Device::flex(), 250, |_| async { ControlFlow::Continue(()) }))
        .unwrap()
}

/// A briefly trained bn-cnn (batch norm: its running statistics must travel too) with an RBF
/// SVM fitted on its features, and the file made of them.
fn saved() -> &'static (Model, SvmClassifier, ModelFile) {
    static SAVED: OnceLock<(Model, SvmClassifier, ModelFile)> = OnceLock::new();
    SAVED.get_or_init(|| {
        let data = common::dataset();
        let mut trainer = Trainer::new(Arch::BnCnn, &Device::flex(), 2e-3, 3);
        let mut rng = SmallRng::seed_from_u64(3);
        for idx in epoch_batches(TRAIN, 64, &mut rng) {
            pollster::block_on(trainer.step(&Batch::gather(&data.train, &idx, None::<&mut SmallRng>)).read()).unwrap();
        }
        let model = trainer.inference_model();
        let features = infer(&model, &data.train, TRAIN);
        let options = SvmOptions { kernel: Kernel::Rbf { dim: 256, gamma: 2.0 }, ..SvmOptions::default() };
        let map = FeatureMap::fit(options.kernel, &features.features, features.feature_dim, 1);
        let rows = map.apply_all(&features.features, |_| {});
        let mut fit = Fit::new(&rows, &data.train.labels[..TRAIN], options);
        while !fit.step(1000) {}
        let (svm, lambda) = fit.finish();
        let svm = SvmClassifier { map, svm, lambda };
        let info = ModelInfo {
            settings: "train_limit=3000&epochs=1".into(),
            made_by: "test".into(),
            cnn_accuracy: Some(0.8125),
            svm_accuracy: None,
            test_images: TEST,
            trained_images: TRAIN,
        };
        let file = ModelFile {
            info,
            weights: pollster::block_on(read_weights(&model)).unwrap(),
            svm: Some(svm.clone()),
            custom: Default::default(),
        };
        (model, svm, file)
    })
}

#[test]
fn a_saved_model_answers_exactly_as_before() {
    let (model, svm, file) = saved();
    let bytes = file.encode();
    let back = ModelFile::decode(&bytes).unwrap();
    assert_eq!(&back, file);
    // Two convolutions and two linear layers (weight, bias) and two batch norms (scale, shift,
    // running mean and variance).
    assert_eq!(back.weights.shapes.len(), 16);
    let rebuilt = back.weights.build(&Device::flex()).unwrap();
    let test = &common::dataset().test;
    let (before, after) = (infer(model, test, TEST), infer(&rebuilt, test, TEST));
    // Batch norm's running statistics are not parameters the optimizer sees; a model that lost
    // them would still load, and answer differently.
    assert_eq!(before.predictions, after.predictions);
    assert_eq!(before.features, after.features);
    let back_svm = back.svm.as_ref().unwrap();
    for row in before.features.chunks_exact(before.feature_dim).take(50) {
        assert_eq!(svm.scores(row), back_svm.scores(row));
    }
    assert_eq!(back.info.cnn_accuracy, Some(0.8125));
    assert_eq!(back.info.svm_accuracy, None);
}

#[test]
fn peek_reads_what_a_file_is_without_its_weights_and_refuses_what_decode_refuses() {
    let (_, _, file) = saved();
    let bytes = file.encode();
    let (arch, info) = ModelFile::peek(&bytes).unwrap();
    assert_eq!((arch, &info), (file.weights.arch, &file.info));
    let mut damaged = bytes.clone();
    let mid = damaged.len() / 2;
    damaged[mid] ^= 1;
    assert_eq!(ModelFile::peek(&damaged).unwrap_err(), FileError::Damaged);
    assert_eq!(
        ModelFile::peek(&bytes[..bytes.len() - 1]).unwrap_err(),
        ModelFile::decode(&bytes[..bytes.len() - 1]).unwrap_err()
    );
}

#[test]
fn a_model_without_an_svm_round_trips() {
    let (_, _, file) = saved();
    let file = ModelFile { svm: None, ..file.clone() };
    assert_eq!(ModelFile::decode(&file.encode()).unwrap(), file);
}

#[test]
fn files_that_are_not_whole_models_are_refused_with_a_reason() {
    let (_, _, file) = saved();
    let bytes = file.encode();
    let err = |b: &[u8]| ModelFile::decode(b).unwrap_err();

    assert_eq!(err(&[]), FileError::Empty);
    // The gzipped dataset file a user might pick by mistake.
    let gz = std::fs::read(common::data_dir().join(fashion_cnn::dataset::FILE_NAMES[1])).unwrap();
    assert_eq!(err(&gz), FileError::NotAModel);
    assert_eq!(err(b"not a model at all"), FileError::NotAModel);
    for cut in [14, 40, bytes.len() / 2, bytes.len() - 1] {
        assert_eq!(err(&bytes[..cut]), FileError::Truncated, "cut at {cut}");
    }
    let mut flipped = bytes.clone();
    flipped[bytes.len() / 3] ^= 0x40;
    assert_eq!(err(&flipped), FileError::Damaged);
    let mut newer = bytes.clone();
    newer[12..16].copy_from_slice(&(VERSION + 1).to_le_bytes());
    assert_eq!(err(&newer), FileError::Version(VERSION + 1));
    let huge = vec![0u8; fashion_cnn::model_file::MAX_BYTES + 1];
    assert!(matches!(err(&huge), FileError::TooLarge(_)));
    for e in [FileError::Truncated, FileError::Damaged, FileError::NotAModel, FileError::Version(2)] {
        assert!(e.to_string().len() > 20, "{e}: a message says what is wrong");
    }
}

/// Weights of one architecture under another's name (or an SVM for other features) are refused
/// before a model is built, naming the first parameter that does not fit.
#[test]
fn weights_of_another_architecture_are_refused() {
    let (_, _, file) = saved();
    let device = Device::flex();
    let mut wrong = file.clone();
    wrong.weights.arch = Arch::ThreeConv;
    wrong.svm = None;
    let decoded = ModelFile::decode(&wrong.encode()).unwrap();
    let e = decoded.weights.build(&device).unwrap_err().to_string();
    assert!(e.contains("three-conv") && e.contains("parameter 3"), "{e}");

    let three = pollster::block_on(read_weights(&Arch::ThreeConv.init(&device))).unwrap();
    let mut svm_mismatch = file.clone();
    svm_mismatch.weights = three;
    match ModelFile::decode(&svm_mismatch.encode()) {
        Err(FileError::Invalid(e)) => assert!(e.contains("SVM") && e.contains("64"), "{e}"),
        other => panic!("an SVM for 128 features with a three-conv CNN: {other:?}"),
    }
}

/// Classes of one's own travel with the model: their names and examples, and an SVM with a
/// classifier for each; an SVM with fewer classifiers than the file's classes is refused, and
/// a file of format version 1 (no such classes) still reads.
#[test]
fn classes_of_ones_own_round_trip_and_old_files_still_read() {
    use fashion_cnn::custom::CustomClasses;
    use fashion_cnn::dataset::IMAGE_PIXELS;
    let (_, svm, file) = saved();
    let mut custom = CustomClasses::default();
    let mut example = vec![0u8; IMAGE_PIXELS];
    example[400] = 255;
    for name in ["Star", "Heart"] {
        for _ in 0..3 {
            custom.add_example(name, &example).unwrap();
        }
    }
    let mut twelve = svm.clone();
    let row = twelve.svm.weights[..twelve.svm.dim + 1].to_vec();
    twelve.svm.weights.extend(row.iter().chain(&row));
    let with_classes = ModelFile { svm: Some(twelve), custom: custom.clone(), ..file.clone() };
    let back = ModelFile::decode(&with_classes.encode()).unwrap();
    assert_eq!(back, with_classes);
    assert_eq!((back.custom.names(), back.custom.counts()), (vec!["Star".to_string(), "Heart".into()], vec![3, 3]));
    // Ten classifiers for twelve classes.
    let short = ModelFile { svm: Some(svm.clone()), custom, ..file.clone() };
    assert!(matches!(ModelFile::decode(&short.encode()), Err(FileError::Invalid(_))));
    // The same model as version 1 wrote it: no count of classes of one's own before the CRC.
    let v2 = file.encode();
    let mut v1 = v2[..v2.len() - 8].to_vec();
    v1[12..16].copy_from_slice(&1u32.to_le_bytes());
    let length = (v1.len() + 4) as u32;
    v1[16..20].copy_from_slice(&length.to_le_bytes());
    let mut crc = flate2::Crc::new();
    crc.update(&v1);
    v1.extend_from_slice(&crc.sum().to_le_bytes());
    assert_eq!(&ModelFile::decode(&v1).unwrap(), file);
}
