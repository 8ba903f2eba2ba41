//! Finds the real Fashion-MNIST files for the native tests. The setup script installs them;
//! a missing dataset is a failure, not a skip, so a test run can never pass without real data.
#![allow(dead_code)]

use fashion_cnn::dataset::{FILE_NAMES, FashionMnist};
use std::path::PathBuf;
use std::sync::OnceLock;

pub fn data_dir() -> PathBuf {
    let candidates = [
        std::env::var("FASHION_MNIST_DIR").ok().map(PathBuf::from),
        Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data")),
        Some(PathBuf::from("/usr/share/datasets/fashion-mnist")),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|d| d.join(FILE_NAMES[0]).exists())
        .expect("Fashion-MNIST not found: run scripts/test.sh (it installs the dataset) or set FASHION_MNIST_DIR")
}

pub fn read_file(name: &str) -> Vec<u8> {
    std::fs::read(data_dir().join(name)).unwrap_or_else(|e| panic!("reading {name}: {e}"))
}

/// The whole dataset, parsed once per test binary.
pub fn dataset() -> &'static FashionMnist {
    static DATA: OnceLock<FashionMnist> = OnceLock::new();
    DATA.get_or_init(|| {
        let files: Vec<Vec<u8>> = FILE_NAMES.iter().map(|n| read_file(n)).collect();
        FashionMnist::from_gz_files([&files[0], &files[1], &files[2], &files[3]]).expect("real dataset parses")
    })
}

/// Pearson correlation of two 28x28 images.
pub fn correlation(a: &[u8], b: &[u8]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().map(|&v| v as f64).sum::<f64>() / n, b.iter().map(|&v| v as f64).sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (&x, &y) in a.iter().zip(b) {
        let (dx, dy) = (x as f64 - ma, y as f64 - mb);
        sab += dx * dy;
        saa += dx * dx;
        sbb += dy * dy;
    }
    sab / (saa * sbb).sqrt().max(1e-9)
}
