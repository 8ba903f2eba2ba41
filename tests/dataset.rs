// Native tests; the browser suite is tests/web.rs.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use fashion_cnn::dataset::*;
use flate2::Compression;
use flate2::write::GzEncoder;
use std::io::Write;

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn idx_images(count: u32, side: u32, payload: usize) -> Vec<u8> {
    let mut v = Vec::new();
    for x in [0x803u32, count, side, side] {
        v.extend_from_slice(&x.to_be_bytes());
    }
    v.extend(std::iter::repeat_n(7u8, payload));
    v
}

fn idx_labels(labels: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&0x801u32.to_be_bytes());
    v.extend_from_slice(&(labels.len() as u32).to_be_bytes());
    v.extend_from_slice(labels);
    v
}

#[test]
fn real_dataset_has_official_counts_and_balanced_classes() {
    let d = common::dataset();
    assert_eq!(d.train.len(), TRAIN_COUNT);
    assert_eq!(d.test.len(), TEST_COUNT);
    assert_eq!(d.train.images.len(), TRAIN_COUNT * IMAGE_PIXELS);
    // Fashion-MNIST is exactly balanced: 6,000 and 1,000 of each class.
    for (split, per_class) in [(&d.train, 6000), (&d.test, 1000)] {
        let mut counts = [0usize; NUM_CLASSES];
        split.labels.iter().for_each(|&l| counts[l as usize] += 1);
        assert_eq!(counts, [per_class; NUM_CLASSES]);
    }
    // Known first labels of the official files: Ankle boot, T-shirt; and Ankle boot, Pullover.
    assert_eq!(&d.train.labels[..2], &[9, 0]);
    assert_eq!(&d.test.labels[..2], &[9, 2]);
    // Items are light on a black field: the border is dark, the centre is not.
    let img = d.train.image(0);
    assert_eq!(img[0], 0);
    let mean: f64 = d.train.images.iter().map(|&p| p as f64).sum::<f64>() / d.train.images.len() as f64 / 255.0;
    assert!((mean - 0.286).abs() < 0.005, "pixel mean {mean}");
}

#[test]
fn truncate_keeps_first_items() {
    let mut s = common::dataset().test.clone();
    let first = s.image(4).to_vec();
    s.truncate(5);
    assert_eq!(s.len(), 5);
    assert_eq!(s.image(4), &first[..]);
    s.truncate(100);
    assert_eq!(s.len(), 5);
}

#[test]
fn synthetic_round_trip() {
    let images = gz(&idx_images(3, 28, 3 * 784));
    let labels = gz(&idx_labels(&[1, 2, 9]));
    let s = Split::from_gz(("i", &images), ("l", &labels), Some(3)).unwrap();
    assert_eq!(s.len(), 3);
    assert_eq!(s.labels, vec![1, 2, 9]);
}

#[test]
fn rejects_html_error_page() {
    let err = gunzip("train-images-idx3-ubyte.gz", b"<!DOCTYPE html><title>404</title>").unwrap_err();
    assert!(matches!(err, DatasetError::NotGzip { .. }));
    assert!(err.to_string().contains("train-images-idx3-ubyte.gz"));
}

#[test]
fn rejects_truncated_gzip_of_real_file() {
    let bytes = common::read_file(FILE_NAMES[3]);
    let err = gunzip(FILE_NAMES[3], &bytes[..bytes.len() / 2]).unwrap_err();
    assert!(matches!(err, DatasetError::Gzip { .. }), "{err}");
}

#[test]
fn rejects_swapped_files_by_magic() {
    let labels_raw = gunzip("x", &common::read_file(FILE_NAMES[3])).unwrap();
    let err = parse_images("t10k-labels", &labels_raw, None).unwrap_err();
    assert_eq!(err, DatasetError::BadMagic { file: "t10k-labels".into(), expected: 0x803, found: 0x801 });
}

#[test]
fn rejects_wrong_count_short_payload_size_and_labels() {
    let raw = idx_images(2, 28, 784 * 2);
    assert!(matches!(parse_images("f", &raw, Some(3)), Err(DatasetError::WrongCount { expected: 3, found: 2, .. })));
    let raw = idx_images(2, 28, 784 + 10);
    assert!(matches!(parse_images("f", &raw, None), Err(DatasetError::Truncated { .. })));
    let raw = idx_images(1, 32, 32 * 32);
    assert!(matches!(parse_images("f", &raw, None), Err(DatasetError::BadImageSize { rows: 32, .. })));
    assert!(matches!(parse_images("f", &[0, 0, 8], None), Err(DatasetError::TooShort { .. })));
    let raw = idx_labels(&[3, 10]);
    assert_eq!(
        parse_labels("f", &raw, None),
        Err(DatasetError::LabelOutOfRange { file: "f".into(), index: 1, label: 10 })
    );
}

#[test]
fn rejects_images_and_labels_that_do_not_match() {
    let images = gz(&idx_images(3, 28, 3 * 784));
    let labels = gz(&idx_labels(&[1, 2]));
    let err = Split::from_gz(("i", &images), ("l", &labels), None).unwrap_err();
    assert_eq!(err, DatasetError::CountMismatch { images: 3, labels: 2 });
}
