//! Writes the seed corpora: small real inputs (from the real dataset files and the model
//! format's own writer) and the bad cases the hand-written tests know, one directory per
//! target. `seeds DATA_DIR CORPUS_DIR`; the dataset is read from DATA_DIR, never committed.

use std::fs;
use std::path::Path;

use fashion_cnn::arch::Arch;
use fashion_cnn::dataset::{FILE_NAMES, IMAGE_PIXELS, NUM_CLASSES, gunzip};
use fashion_cnn::model_file::{ModelFile, ModelInfo, Weights};
use fashion_cnn::protocol::{FromWorker, ModelSource, ToWorker, encode};
use fashion_cnn::settings::Settings;
use fashion_cnn::svm::{FeatureMap, FourierFeatures, LinearSvm, Standardizer, SvmClassifier};
use fashion_cnn_fuzz::{gzip, join_message, model_body};

fn write(dir: &Path, target: &str, name: &str, bytes: &[u8]) {
    let d = dir.join(target);
    fs::create_dir_all(&d).expect("corpus directory");
    fs::write(d.join(name), bytes).expect("seed file");
}

fn with_mode(mode: u8, bytes: &[u8]) -> Vec<u8> {
    [&[mode][..], bytes].concat()
}

/// The first `n` items of a real IDX file, its count field set to `n`.
fn first_items(raw: &[u8], header: usize, item: usize, n: usize) -> Vec<u8> {
    let mut out = raw[..header + n * item].to_vec();
    out[4..8].copy_from_slice(&(n as u32).to_be_bytes());
    out
}

fn dataset(data: &Path, out: &Path) {
    let read = |i: usize| fs::read(data.join(FILE_NAMES[i])).ok();
    let (Some(images_gz), Some(labels_gz)) = (read(2), read(3)) else {
        return eprintln!("seeds: no dataset in {}: the dataset target starts from made-up files", data.display());
    };
    let images = first_items(&gunzip("images", &images_gz).expect("real file"), 16, IMAGE_PIXELS, 3);
    let labels = first_items(&gunzip("labels", &labels_gz).expect("real file"), 8, 1, 64);
    write(out, "dataset", "images-3", &with_mode(0, &images));
    write(out, "dataset", "labels-64", &with_mode(1, &labels));
    write(out, "dataset", "labels-real.gz", &with_mode(2, &labels_gz));
    write(out, "dataset", "images-3.gz", &with_mode(2, &gzip(&images)));
    write(out, "dataset", "images-3-expect-1", &with_mode(4, &images));
    // The bad cases of tests/dataset.rs: truncated, a labels file where images belong, a label
    // out of range, an HTML page.
    write(out, "dataset", "truncated", &with_mode(0, &images[..images.len() - 100]));
    write(out, "dataset", "wrong-kind", &with_mode(0, &labels));
    let mut bad_label = labels.clone();
    bad_label[20] = 10;
    write(out, "dataset", "label-10", &with_mode(1, &bad_label));
    write(out, "dataset", "html.gz", &with_mode(2, b"<!doctype html><title>404</title>"));
}

fn small_model(arch: Arch, fourier: bool) -> ModelFile {
    let features = arch.feature_dim();
    let map_dim = if fourier { 8 } else { features };
    let fourier = fourier.then(|| FourierFeatures {
        in_dim: features,
        gamma: 2.0,
        weights: (0..features * 8).map(|i| (i % 7) as f32 * 0.1).collect(),
        offsets: (0..8).map(|i| i as f32).collect(),
    });
    ModelFile {
        info: ModelInfo {
            settings: "epochs=2&arch=three-conv".into(),
            made_by: "seeds".into(),
            cnn_accuracy: Some(0.9),
            svm_accuracy: None,
            test_images: 10_000,
            trained_images: 120_000,
        },
        weights: Weights {
            arch,
            shapes: vec![vec![2, 3], vec![3]],
            values: vec![0.5, -1.0, 2.0, 0.0, 1e-3, 7.0, 1.0, 2.0, 3.0],
        },
        svm: Some(SvmClassifier {
            map: FeatureMap {
                standardizer: Standardizer { mean: vec![0.1; features], scale: vec![1.0; features] },
                fourier,
            },
            svm: LinearSvm { dim: map_dim, weights: vec![0.25; NUM_CLASSES * (map_dim + 1)] },
            lambda: 1e-5,
        }),
    }
}

fn model_files(out: &Path) {
    for (name, model) in [
        ("three-conv-rbf", small_model(Arch::ThreeConv, true)),
        ("bn-cnn-linear", small_model(Arch::BnCnn, false)),
        ("no-svm", ModelFile { svm: None, ..small_model(Arch::OneConv, false) }),
    ] {
        let file = model.encode();
        write(out, "model_file", name, &with_mode(0, &file));
        write(out, "model_file", &format!("{name}-framed"), &with_mode(1, model_body(&file)));
        // Bad cases of tests/model_file.rs: cut off, one byte changed.
        write(out, "model_file", &format!("{name}-cut"), &with_mode(0, &file[..file.len() / 2]));
        let mut damaged = file.clone();
        damaged[40] ^= 1;
        write(out, "model_file", &format!("{name}-damaged"), &with_mode(0, &damaged));
    }
    write(out, "model_file", "empty", &[0]);
    write(out, "model_file", "not-a-model", &with_mode(0, b"PK\x03\x04 a zip file"));
}

fn picture_headers(out: &Path) {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend_from_slice(&12_000u32.to_be_bytes());
    png.extend_from_slice(&12_000u32.to_be_bytes());
    png.extend_from_slice(&[8, 6, 0, 0, 0]);
    write(out, "picture_header", "png-bomb", &png);
    png[16..24].copy_from_slice(&[0, 0, 1, 0, 0, 0, 0, 200]);
    write(out, "picture_header", "png", &png);
    write(out, "picture_header", "gif", b"GIF89a\x40\x01\xf0\x00\x00\x00\x00");
    let jpeg = [
        &[0xff, 0xd8, 0xff, 0xe0, 0, 16][..],
        b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0",
        &[0xff, 0xc0, 0, 17, 8, 1, 0xe0, 2, 0x80, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1],
    ]
    .concat();
    write(out, "picture_header", "jpeg", &jpeg);
    for (name, chunk, tail) in [
        ("webp-vp8x", b"VP8X", [0u8, 0, 0, 0, 0, 0, 0, 0, 0x3f, 1, 0, 0xdf, 0, 0, 0, 0, 0, 0]),
        ("webp-vp8l", b"VP8L", [0, 0, 0, 0, 0x2f, 0x3f, 0xc0, 0x3b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        ("webp-vp8", b"VP8 ", [0, 0, 0, 0, 0, 0, 0, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0, 0, 0, 0, 0]),
    ] {
        let webp = [&b"RIFF\0\0\0\0WEBP"[..], chunk, &tail].concat();
        write(out, "picture_header", name, &webp);
    }
    write(out, "picture_header", "text", b"this is not a picture");
}

fn sketches(out: &Path) {
    let picture =
        |flags: u8, w: u16, h: u16, ink: &[u8]| [&[flags][..], &w.to_le_bytes(), &h.to_le_bytes(), ink].concat();
    // A dark square on white paper, drawn whole: 12 x 12.
    let square: Vec<u8> = (0..144)
        .flat_map(|i| {
            let (x, y) = (i % 12, i / 12);
            let v = if (3..9).contains(&x) && (2..10).contains(&y) { 0 } else { 255 };
            [v, v, v, 255]
        })
        .collect();
    write(out, "sketch", "square", &picture(0, 12, 12, &square));
    write(out, "sketch", "one-pixel", &picture(0, 1, 1, &[0, 0, 0, 255]));
    write(out, "sketch", "blank-280", &picture(1, 280, 280, &[255, 255, 255, 255]));
    write(out, "sketch", "line-1x4000", &picture(1, 1, 4000, &[0, 0, 0, 255, 255, 255, 255, 255]));
    write(out, "sketch", "stripes-3000x2", &picture(1, 3000, 2, &[10, 200, 30, 255, 250, 250, 250, 128]));
    write(out, "sketch", "wrong-length", &picture(0, 4, 4, &[0; 12]));
}

fn queries(out: &Path) {
    let queries = [
        Settings::default().to_query(),
        "?arch=three-conv&epochs=2&batch=64".into(),
        "epochs=abc".into(),
        "data=http%3A%2F%2Fexample.org%2Ffashion&autostart=1".into(),
        "svm_kernel=linear&svm_dim=5&svm_gamma=0.5&svm_lambda=1e-6".into(),
        "lr=1e-300&sketch_aug=0.5&warmup=0.5&smoothing=0&wd=1".into(),
        "train_limit=3000&test_limit=1000&seed=18446744073709551615".into(),
        "backend=webgpu&model=none&augment=1&shift=0&lr_decay=off".into(),
    ];
    for (i, q) in queries.iter().enumerate() {
        write(out, "query", &format!("q{i}"), q.as_bytes());
    }
}

fn messages(out: &Path) {
    let model = small_model(Arch::ThreeConv, true).encode();
    let to_worker = [
        ToWorker::Init { query: "epochs=1".into() },
        ToWorker::Stop,
        ToWorker::SkipEvaluation,
        ToWorker::Classify {
            seq: 3,
            width: 2,
            height: 2,
            rgba: vec![0, 0, 0, 255, 255, 255, 255, 0, 9, 9, 9, 9, 1, 2, 3, 4].into(),
        },
        ToWorker::LoadModel { bytes: model.into(), source: ModelSource::File, name: "m.fmnist".into() },
    ];
    for (i, m) in to_worker.iter().enumerate() {
        let (control, buffers) = encode(m, serde_json::to_vec).expect("serialisable");
        write(out, "protocol", &format!("to-worker-{i}"), &join_message(&control, &buffers));
    }
    let from_worker = [FromWorker::Alive, FromWorker::Error { message: "x".into(), panic: false, retry: true }];
    for (i, m) in from_worker.iter().enumerate() {
        let (control, buffers) = encode(m, serde_json::to_vec).expect("serialisable");
        write(out, "protocol", &format!("from-worker-{i}"), &join_message(&control, &buffers));
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, data, out] = &args[..] else {
        eprintln!("usage: seeds DATA_DIR CORPUS_DIR");
        std::process::exit(2);
    };
    let out = Path::new(out);
    dataset(Path::new(data), out);
    model_files(out);
    picture_headers(out);
    sketches(out);
    queries(out);
    messages(out);
}
