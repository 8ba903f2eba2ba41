//! Inputs that once broke, or could have broken, a parser that reads outside bytes: each one
//! found while writing the fuzz targets (fuzz/) or by them, fixed at its cause, kept here so it
//! stays fixed. README "Fuzzing" lists them.

use std::io::Write;

use fashion_cnn::arch::Arch;
use fashion_cnn::dataset::{DatasetError, MAX_GZ_BYTES, MAX_IDX_BYTES, gunzip, parse_images};
use fashion_cnn::model_file::{FileError, MAGIC, ModelFile, ModelInfo, OLDEST_VERSION, Weights};
use fashion_cnn::settings::Settings;
use fashion_cnn::sketch::{Gray, MAX_PIXELS, PictureError, prepare};

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// A 48 KB gzip file of zeros that expands past the largest dataset file is refused as it
/// expands: before, it was decompressed whole, however large (1 GB from ~1 MB).
#[test]
fn a_gzip_bomb_is_refused_at_the_largest_dataset_size() {
    let bomb = gzip(&vec![0u8; MAX_IDX_BYTES + 1]);
    assert!(bomb.len() < 100_000, "{} bytes", bomb.len());
    let err = gunzip("train-images-idx3-ubyte.gz", &bomb).unwrap_err();
    assert_eq!(
        err,
        DatasetError::TooLarge { file: "train-images-idx3-ubyte.gz".into(), limit: MAX_IDX_BYTES, compressed: false }
    );
    assert!(err.to_string().contains("larger than 47 MB once decompressed"), "{err}");
    // The largest real file still fits exactly.
    assert_eq!(gunzip("x", &gzip(&vec![0u8; MAX_IDX_BYTES])).unwrap().len(), MAX_IDX_BYTES);
}

#[test]
fn a_download_larger_than_any_dataset_file_is_refused() {
    let mut huge = vec![0u8; MAX_GZ_BYTES + 1];
    huge[..2].copy_from_slice(&[0x1f, 0x8b]);
    let err = gunzip("t10k-labels-idx1-ubyte.gz", &huge).unwrap_err();
    assert!(matches!(err, DatasetError::TooLarge { compressed: true, .. }), "{err}");
    assert!(err.to_string().contains("larger than 67 MB, more than any Fashion-MNIST file"), "{err}");
}

/// A header promising 4,294,967,295 images: on wasm32 `count * 784` overflowed `usize`.
#[test]
fn an_image_count_that_overflows_is_a_truncated_file() {
    let mut raw = vec![0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 28, 0, 0, 0, 28];
    raw.extend_from_slice(&[0; 784]);
    assert!(matches!(parse_images("x", &raw, None), Err(DatasetError::Truncated { .. })));
}

/// A model file around `body` with its length and checksum right, as a forger would make it
/// (format version 1, the one the fuzzers' findings were made in).
fn framed(body: &[u8]) -> Vec<u8> {
    let mut file = MAGIC.to_vec();
    file.extend_from_slice(&OLDEST_VERSION.to_le_bytes());
    file.extend_from_slice(&((MAGIC.len() + 12 + body.len()) as u32).to_le_bytes());
    file.extend_from_slice(body);
    let mut crc = flate2::Crc::new();
    crc.update(&file);
    file.extend_from_slice(&crc.sum().to_le_bytes());
    file
}

/// A valid checksum over a tensor count of 4,294,967,295: the reader reserved room for that
/// many shapes (~100 GB) before reading one.
#[test]
fn a_forged_tensor_count_reserves_nothing() {
    let info = b"arch=three-conv\n";
    let mut body = (info.len() as u32).to_le_bytes().to_vec();
    body.extend_from_slice(info);
    body.extend_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(ModelFile::decode(&framed(&body)), Err(FileError::Truncated));
}

/// Info text whose last value ends in a bare `\r`: read as "x\r", written as "x\r\n", which
/// reads back as "x". Values are now written on one line.
#[test]
fn a_line_break_in_a_model_files_text_is_written_on_one_line() {
    let model = ModelFile {
        info: ModelInfo { settings: "epochs=2\r".into(), made_by: "a\nmade_by=forged".into(), ..ModelInfo::default() },
        weights: Weights { arch: Arch::OneConv, shapes: vec![vec![1]], values: vec![1.0] },
        svm: None,
        custom: Default::default(),
    };
    let once = ModelFile::decode(&model.encode()).unwrap();
    assert_eq!((once.info.settings.as_str(), once.info.made_by.as_str()), ("epochs=2 ", "a made_by=forged"));
    assert_eq!(ModelFile::decode(&once.encode()).unwrap(), once);
}

/// Sizes in a worker message are not trusted: before, `Gray::from_rgba` asserted (a panic
/// that restarts the worker) and only the worker checked first.
#[test]
fn picture_sizes_from_a_message_are_checked() {
    assert_eq!(Gray::from_rgba(0, 5, &[]), Err(PictureError::Empty { width: 0, height: 5 }));
    assert_eq!(Gray::from_rgba(usize::MAX, 2, &[]), Err(PictureError::TooLarge { width: usize::MAX, height: 2 }));
    assert_eq!(Gray::from_rgba(4097, 4096, &[]), Err(PictureError::TooLarge { width: 4097, height: 4096 }));
    assert_eq!(Gray::from_rgba(2, 2, &[0; 12]), Err(PictureError::WrongLength { width: 2, height: 2, bytes: 12 }));
    let e = Gray::from_rgba(2, 2, &[0; 12]).unwrap_err().to_string();
    assert!(e.contains("needs 2x2x4 bytes of RGBA, it came with 12"), "{e}");
}

/// The most extreme shape allowed, one pixel by 16,777,216: a dot in the middle of a line.
#[test]
fn the_longest_allowed_line_is_prepared() {
    let mut rgba = [255u8; 4].repeat(MAX_PIXELS);
    rgba[MAX_PIXELS / 2 * 4..MAX_PIXELS / 2 * 4 + 3].fill(0);
    let p = prepare(&Gray::from_rgba(1, MAX_PIXELS, &rgba).unwrap());
    assert_eq!(p.image.len(), 784);
}

/// `svm_gamma=1e-50` passed as an f64 above 0 and became γ = 0 as an f32, a kernel that
/// sees nothing, and a query that no longer parsed when written back.
#[test]
fn a_gamma_that_is_zero_as_an_f32_is_refused() {
    let err = Settings::from_query("svm_gamma=1e-50").unwrap_err().to_string();
    assert!(err.contains("svm_gamma must be a number above 0"), "{err}");
    let tiny = Settings::from_query("svm_gamma=1e-40").unwrap();
    assert_eq!(Settings::from_query(&tiny.to_query()), Ok(tiny));
}

/// The input the `model_file` target failed on with the one-line fix above undone (its first
/// byte chooses the framed mode: the rest is a body with the length and checksum made right).
#[test]
fn the_fuzzers_bare_cr_model_file_reads_back_the_same() {
    let input = include_bytes!("fuzz_findings/model_file-bare-cr");
    assert_eq!(input[0] & 1, 1);
    let model = ModelFile::decode(&framed(&input[1..])).expect("it is a readable model");
    let again = model.encode();
    assert_eq!(ModelFile::decode(&again).unwrap().encode(), again);
}
