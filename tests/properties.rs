//! Invariants over random inputs (proptest): what the hand-written tests check on chosen cases,
//! here on many. The fuzz targets (fuzz/, `scripts/fuzz.sh`) check the parsers on hostile bytes;
//! these check that what we write we read back the same.
#![cfg(not(target_arch = "wasm32"))]

use fashion_cnn::arch::Arch;
use fashion_cnn::dataset::{IMAGE_PIXELS, NUM_CLASSES};
use fashion_cnn::metrics::{ClassificationReport, confusion_matrix};
use fashion_cnn::model_file::{ModelFile, ModelInfo, Weights};
use fashion_cnn::settings::Settings;
use fashion_cnn::sketch::{Gray, prepare};
use fashion_cnn::svm::{FeatureMap, FourierFeatures, LinearSvm, Standardizer, SvmClassifier};
use proptest::prelude::*;

/// Any f32, NaN payloads and infinities included.
fn any_f32() -> impl Strategy<Value = f32> {
    any::<u32>().prop_map(f32::from_bits)
}

fn floats(n: usize) -> impl Strategy<Value = Vec<f32>> {
    prop::collection::vec(any_f32(), n)
}

/// Any characters, the ones that mean something in our formats often.
fn text() -> impl Strategy<Value = String> {
    let special = prop::sample::select(vec!['\n', '\r', '=', '&', '%', '+', ' ', '?', '/', 'é']);
    prop::collection::vec(prop_oneof![any::<char>(), special], 0..24).prop_map(|c| c.into_iter().collect())
}

fn arch() -> impl Strategy<Value = Arch> {
    prop::sample::select(Arch::ALL.to_vec())
}

fn weights() -> impl Strategy<Value = Weights> {
    (arch(), prop::collection::vec(prop::collection::vec(0usize..5, 0..4), 0..5)).prop_flat_map(|(arch, shapes)| {
        let n = shapes.iter().map(|s| s.iter().product::<usize>()).sum();
        floats(n).prop_map(move |values| Weights { arch, shapes: shapes.clone(), values })
    })
}

/// An SVM that fits `arch`'s features: linear, or through 0-6 random Fourier features.
fn svm(arch: Arch) -> impl Strategy<Value = SvmClassifier> {
    let features = arch.feature_dim();
    (prop::option::of((0usize..6, any_f32())), any::<f64>()).prop_flat_map(move |(fourier, lambda)| {
        let out = fourier.map_or(features, |(d, _)| d);
        let map = (
            floats(features),
            floats(features),
            floats(fourier.map_or(0, |(d, _)| d * features)),
            floats(fourier.map_or(0, |(d, _)| d)),
        );
        (map, floats(NUM_CLASSES * (out + 1))).prop_map(move |((mean, scale, w, offsets), svm_weights)| SvmClassifier {
            map: FeatureMap {
                standardizer: Standardizer { mean, scale },
                fourier: fourier.map(|(_, gamma)| FourierFeatures {
                    in_dim: features,
                    gamma,
                    weights: w.clone(),
                    offsets,
                }),
            },
            svm: LinearSvm { dim: out, weights: svm_weights },
            lambda,
        })
    })
}

fn model_file() -> impl Strategy<Value = ModelFile> {
    let info = (text(), text(), any::<Option<f64>>(), any::<Option<f64>>(), any::<usize>(), any::<usize>()).prop_map(
        |(settings, made_by, cnn_accuracy, svm_accuracy, test_images, trained_images)| ModelInfo {
            settings,
            made_by,
            cnn_accuracy,
            svm_accuracy,
            test_images,
            trained_images,
        },
    );
    (info, weights(), any::<bool>()).prop_flat_map(|(info, weights, with_svm)| {
        let svm = if with_svm { svm(weights.arch).prop_map(Some).boxed() } else { Just(None).boxed() };
        svm.prop_map(move |svm| ModelFile {
            info: info.clone(),
            weights: weights.clone(),
            svm,
            custom: Default::default(),
        })
    })
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn same_f64(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b && a.is_sign_negative() == b.is_sign_negative() || a.is_nan() && b.is_nan(),
        (a, b) => a.is_none() && b.is_none(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Every weight bit by bit and every SVM part come back; the two free texts come back on
    /// one line each (a line break would end the value).
    #[test]
    fn model_files_read_back_what_was_written(model in model_file()) {
        let back = ModelFile::decode(&model.encode()).expect("a written model reads back");
        let one_line = |s: &str| s.replace(['\r', '\n'], " ");
        prop_assert_eq!(&back.info.settings, &one_line(&model.info.settings));
        prop_assert_eq!(&back.info.made_by, &one_line(&model.info.made_by));
        prop_assert!(same_f64(back.info.cnn_accuracy, model.info.cnn_accuracy));
        prop_assert!(same_f64(back.info.svm_accuracy, model.info.svm_accuracy));
        prop_assert_eq!((back.info.test_images, back.info.trained_images), (model.info.test_images, model.info.trained_images));
        prop_assert_eq!((back.weights.arch, &back.weights.shapes), (model.weights.arch, &model.weights.shapes));
        prop_assert_eq!(bits(&back.weights.values), bits(&model.weights.values));
        prop_assert_eq!(back.svm.is_some(), model.svm.is_some());
        if let (Some(a), Some(b)) = (&back.svm, &model.svm) {
            prop_assert_eq!(bits(&a.map.standardizer.mean), bits(&b.map.standardizer.mean));
            prop_assert_eq!(bits(&a.map.standardizer.scale), bits(&b.map.standardizer.scale));
            let fourier = |f: &Option<FourierFeatures>| f.as_ref().map(|f| (f.in_dim, f.gamma.to_bits(), bits(&f.weights), bits(&f.offsets)));
            prop_assert_eq!(fourier(&a.map.fourier), fourier(&b.map.fourier));
            prop_assert_eq!((a.svm.dim, bits(&a.svm.weights)), (b.svm.dim, bits(&b.svm.weights)));
            prop_assert_eq!(a.lambda.to_bits(), b.lambda.to_bits());
        }
    }

    /// Any picture, of any shape from 1x1 to 1x20,000, gives the model 784 pixels, and an
    /// empty answer only for an all-black input.
    #[test]
    fn preprocessing_always_gives_a_28x28_image(
        (w, h) in prop_oneof![(1usize..64, 1usize..64), (1usize..4, 1usize..20_000), (1usize..20_000, 1usize..4), (100usize..400, 100usize..400)],
        ink in prop::collection::vec(any::<u8>(), 1..64),
        pattern in 0u8..3,
    ) {
        let rgba: Vec<u8> = match pattern {
            0 => ink.iter().copied().cycle().take(w * h * 4).collect(),
            1 => [ink[0], ink[0], ink[0], 255].repeat(w * h),
            _ => (0..w * h).flat_map(|i| if i % (ink.len() + 1) == 0 { [0, 0, 0, 255] } else { [255; 4] }).collect(),
        };
        let p = prepare(&Gray::from_rgba(w, h, &rgba).expect("a picture of the right length"));
        prop_assert_eq!(p.image.len(), IMAGE_PIXELS);
        prop_assert!(!p.empty || p.image.iter().all(|&v| v == 0));
        // All one grey level: nothing stands out.
        if pattern == 1 {
            prop_assert!(p.empty);
        }
    }

    /// Values in [0, 1] of any kind (the native command's made-up pictures take this path).
    #[test]
    fn preprocessing_takes_any_grey_levels(w in 1usize..80, h in 1usize..80, seed in any::<u64>()) {
        let pixels = (0..w * h).map(|i| ((i as u64 ^ seed).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40) as f32 / (1u64 << 24) as f32).collect();
        prop_assert_eq!(prepare(&Gray::new(w, h, pixels)).image.len(), IMAGE_PIXELS);
    }

    /// A query of valid values parses, and the parsed settings write a query that parses to
    /// the same settings.
    #[test]
    fn a_parsed_query_writes_back_to_the_same_settings(pairs in prop::collection::vec(setting(), 0..12)) {
        let query = pairs.join("&");
        let settings = Settings::from_query(&query).map_err(|e| TestCaseError::fail(format!("{query}: {e}")))?;
        let again = settings.to_query();
        prop_assert_eq!(Settings::from_query(&again), Ok(settings), "{} -> {}", query, again);
    }

    /// Any text at all: never a panic, and what parses writes back the same.
    #[test]
    fn any_query_parses_or_is_refused(query in text()) {
        if let Ok(settings) = Settings::from_query(&query) {
            prop_assert_eq!(Settings::from_query(&settings.to_query()), Ok(settings));
        }
        // What the page keeps of it is valid settings.
        let (kept, refused) = Settings::from_query_lenient(&query);
        prop_assert_eq!(Settings::from_query(&kept.to_query()), Ok(kept.clone()));
        prop_assert_eq!(refused.is_empty(), Settings::from_query(&query) == Ok(kept));
    }

    /// The report's numbers are the confusion matrix's: supports are its rows, each class's
    /// hits its diagonal, the accuracy its trace.
    #[test]
    fn report_sums_match_the_confusion_matrix(pairs in prop::collection::vec((0u8..10, 0u8..10), 0..400)) {
        let (predicted, labels): (Vec<u8>, Vec<u8>) = pairs.into_iter().unzip();
        let m = confusion_matrix(&predicted, &labels);
        let r = ClassificationReport::new(&predicted, &labels);
        let n = labels.len() as u32;
        prop_assert_eq!(m.iter().flatten().sum::<u32>(), n);
        for c in 0..NUM_CLASSES {
            let column: u32 = m.iter().map(|row| row[c]).sum();
            prop_assert_eq!(r.classes[c].support, m[c].iter().sum::<u32>());
            prop_assert!((r.classes[c].recall * r.classes[c].support as f64 - m[c][c] as f64).abs() < 1e-9);
            prop_assert!((r.classes[c].precision * column as f64 - m[c][c] as f64).abs() < 1e-9);
        }
        prop_assert_eq!(r.macro_avg.support, n);
        prop_assert_eq!(r.weighted_avg.support, n);
        let trace: u32 = (0..NUM_CLASSES).map(|c| m[c][c]).sum();
        prop_assert!((r.accuracy * n as f64 - trace as f64).abs() < 1e-9);
    }
}

/// One `key=value` with a valid value, written as a user might (escapes, spaces, `+`).
fn setting() -> impl Strategy<Value = String> {
    let real = |max: f64| (1e-12f64..=max).prop_map(|x| x.to_string());
    let share = |max: f64| (0.0f64..=max).prop_map(|x| x.to_string());
    let flag = || prop::sample::select(vec!["1", "0", "true", "false", "on", "off"]).prop_map(String::from);
    prop_oneof![
        prop::sample::select(vec!["auto", "webgpu", "cpu"]).prop_map(|v| format!("backend={v}")),
        prop::sample::select(vec!["pretrained", "none"]).prop_map(|v| format!("model={v}")),
        flag().prop_map(|v| format!("autostart={v}")),
        text().prop_filter("not empty", |t| !t.is_empty()).prop_map(|t| format!("data={}", escape(&t))),
        arch().prop_map(|a| format!("arch={}", a.name())),
        (1usize..2000).prop_map(|v| format!("epochs={v}")),
        (1usize..=4096).prop_map(|v| format!("batch=+{v}")),
        real(100.0).prop_map(|v| format!("lr={v}")),
        flag().prop_map(|v| format!("lr_decay={v}")),
        share(0.5).prop_map(|v| format!("warmup={v}")),
        share(0.5).prop_map(|v| format!("smoothing={v}")),
        share(1.0).prop_map(|v| format!("wd={v}")),
        flag().prop_map(|v| format!("augment={v}")),
        flag().prop_map(|v| format!("shift={v}")),
        share(1.0).prop_map(|v| format!("sketch_aug={v}")),
        (1usize..100_000).prop_map(|v| format!("train_limit={v}")),
        (1usize..100_000).prop_map(|v| format!("test_limit={v}")),
        any::<u64>().prop_map(|v| format!("seed={v}")),
        prop::sample::select(vec!["rbf", "linear"]).prop_map(|v| format!("svm_kernel={v}")),
        (1usize..=8192).prop_map(|v| format!("svm_dim={v}")),
        real(1e3).prop_map(|v| format!("svm_gamma={v}")),
        real(1e3).prop_map(|v| format!("svm_lambda={v}")),
        (1usize..5000).prop_map(|v| format!("svm_epochs={v}")),
        flag().prop_map(|v| format!("svm_average={v}")),
    ]
}

/// `%XX` for every byte but letters and digits.
fn escape(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}
