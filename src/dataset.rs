//! Fashion-MNIST as it ships: four gzipped IDX files, parsed and validated into compact `u8`
//! storage (60k images are 47 MB as bytes, four times that as `f32`).

use std::fmt;
use std::io::Read;

pub const IMAGE_SIDE: usize = 28;
pub const IMAGE_PIXELS: usize = IMAGE_SIDE * IMAGE_SIDE;
pub const NUM_CLASSES: usize = 10;
pub const TRAIN_COUNT: usize = 60_000;
pub const TEST_COUNT: usize = 10_000;

pub const CLASS_NAMES: [&str; NUM_CLASSES] =
    ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

/// The standard file names, in the order `[train images, train labels, test images, test labels]`.
pub const FILE_NAMES: [&str; 4] = [
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
];

/// The largest file the page reads, decompressed: train-images, a 16-byte header and 60,000
/// images (47 MB). A gzip stream that expands further is refused as it decompresses, so a
/// small "gzip bomb" cannot ask for gigabytes.
pub const MAX_IDX_BYTES: usize = 16 + TRAIN_COUNT * IMAGE_PIXELS;
/// The largest download taken for one gzipped file (train-images.gz is 26.4 MB).
pub const MAX_GZ_BYTES: usize = 64 << 20;

const IMAGES_MAGIC: u32 = 0x0000_0803;
const LABELS_MAGIC: u32 = 0x0000_0801;

/// Why a dataset file was refused. Every variant names the file so the page can say which one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatasetError {
    NotGzip {
        file: String,
    },
    /// More than `limit` bytes: downloaded (`compressed`) or after decompression.
    TooLarge {
        file: String,
        limit: usize,
        compressed: bool,
    },
    Gzip {
        file: String,
        reason: String,
    },
    TooShort {
        file: String,
        len: usize,
    },
    BadMagic {
        file: String,
        expected: u32,
        found: u32,
    },
    BadImageSize {
        file: String,
        rows: u32,
        cols: u32,
    },
    WrongCount {
        file: String,
        expected: usize,
        found: usize,
    },
    Truncated {
        file: String,
        expected_bytes: usize,
        found_bytes: usize,
    },
    LabelOutOfRange {
        file: String,
        index: usize,
        label: u8,
    },
    CountMismatch {
        images: usize,
        labels: usize,
    },
}

impl fmt::Display for DatasetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use DatasetError::*;
        match self {
            NotGzip { file } => {
                write!(f, "{file} is not a gzip file (it may be an HTML error page or the wrong download)")
            }
            TooLarge { file, limit, compressed } => write!(
                f,
                "{file} is larger than {:.0} MB{}, more than any Fashion-MNIST file: is the data URL right?",
                *limit as f64 / 1e6,
                if *compressed { "" } else { " once decompressed" }
            ),
            Gzip { file, reason } => {
                write!(f, "{file} could not be decompressed: {reason} (truncated or corrupt download?)")
            }
            TooShort { file, len } => {
                write!(f, "{file} is too short to be an IDX file ({len} bytes after decompression)")
            }
            BadMagic { file, expected, found } => write!(
                f,
                "{file} has IDX magic number 0x{found:08x}, expected 0x{expected:08x}: this is not the right kind of file"
            ),
            BadImageSize { file, rows, cols } => {
                write!(f, "{file} holds {rows}x{cols} images, expected {IMAGE_SIDE}x{IMAGE_SIDE}")
            }
            WrongCount { file, expected, found } => {
                write!(f, "{file} holds {found} items, expected {expected}")
            }
            Truncated { file, expected_bytes, found_bytes } => write!(
                f,
                "{file} is truncated: its header promises {expected_bytes} bytes of data, it has {found_bytes}"
            ),
            LabelOutOfRange { file, index, label } => {
                write!(f, "{file}: label {label} at index {index} is not a class 0-9")
            }
            CountMismatch { images, labels } => {
                write!(f, "{images} images but {labels} labels: the image and label files do not belong together")
            }
        }
    }
}

impl std::error::Error for DatasetError {}

/// Decompresses a whole gzip file. Refuses anything without the gzip signature up front, so a
/// 404 page served with status 200 reads as "not a gzip file" rather than a decoder error.
pub fn gunzip(file: &str, bytes: &[u8]) -> Result<Vec<u8>, DatasetError> {
    if bytes.len() < 2 || bytes[0] != 0x1f || bytes[1] != 0x8b {
        return Err(DatasetError::NotGzip { file: file.to_string() });
    }
    if bytes.len() > MAX_GZ_BYTES {
        return Err(DatasetError::TooLarge { file: file.to_string(), limit: MAX_GZ_BYTES, compressed: true });
    }
    let mut out = Vec::with_capacity((bytes.len() * 2).min(MAX_IDX_BYTES));
    flate2::read::GzDecoder::new(bytes)
        .take(MAX_IDX_BYTES as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| DatasetError::Gzip { file: file.to_string(), reason: e.to_string() })?;
    if out.len() > MAX_IDX_BYTES {
        return Err(DatasetError::TooLarge { file: file.to_string(), limit: MAX_IDX_BYTES, compressed: false });
    }
    Ok(out)
}

fn be_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

fn check_magic(file: &str, raw: &[u8], header_len: usize, expected: u32) -> Result<(), DatasetError> {
    if raw.len() < header_len {
        return Err(DatasetError::TooShort { file: file.to_string(), len: raw.len() });
    }
    let found = be_u32(raw, 0);
    if found != expected {
        return Err(DatasetError::BadMagic { file: file.to_string(), expected, found });
    }
    Ok(())
}

fn payload<'a>(file: &str, raw: &'a [u8], header_len: usize, expected_bytes: usize) -> Result<&'a [u8], DatasetError> {
    let found_bytes = raw.len() - header_len;
    if found_bytes < expected_bytes {
        return Err(DatasetError::Truncated { file: file.to_string(), expected_bytes, found_bytes });
    }
    Ok(&raw[header_len..header_len + expected_bytes])
}

fn check_count(file: &str, found: usize, expected: Option<usize>) -> Result<(), DatasetError> {
    match expected {
        Some(expected) if expected != found => {
            Err(DatasetError::WrongCount { file: file.to_string(), expected, found })
        }
        _ => Ok(()),
    }
}

/// Parses a decompressed IDX3 image file into row-major `u8` pixels, `count * 784` of them.
pub fn parse_images(file: &str, raw: &[u8], expected_count: Option<usize>) -> Result<Vec<u8>, DatasetError> {
    check_magic(file, raw, 16, IMAGES_MAGIC)?;
    let count = be_u32(raw, 4) as usize;
    let (rows, cols) = (be_u32(raw, 8), be_u32(raw, 12));
    if rows as usize != IMAGE_SIDE || cols as usize != IMAGE_SIDE {
        return Err(DatasetError::BadImageSize { file: file.to_string(), rows, cols });
    }
    check_count(file, count, expected_count)?;
    // Checked: on wasm32 a forged count times 784 overflows `usize`.
    Ok(payload(file, raw, 16, count.saturating_mul(IMAGE_PIXELS))?.to_vec())
}

/// Parses a decompressed IDX1 label file, checking every label is a class.
pub fn parse_labels(file: &str, raw: &[u8], expected_count: Option<usize>) -> Result<Vec<u8>, DatasetError> {
    check_magic(file, raw, 8, LABELS_MAGIC)?;
    let count = be_u32(raw, 4) as usize;
    check_count(file, count, expected_count)?;
    let labels = payload(file, raw, 8, count)?;
    if let Some(index) = labels.iter().position(|&l| l as usize >= NUM_CLASSES) {
        return Err(DatasetError::LabelOutOfRange { file: file.to_string(), index, label: labels[index] });
    }
    Ok(labels.to_vec())
}

/// Images and labels of one split, pixels kept as `u8`.
#[derive(Clone, Debug, Default)]
pub struct Split {
    pub images: Vec<u8>,
    pub labels: Vec<u8>,
}

impl Split {
    pub fn new(images: Vec<u8>, labels: Vec<u8>) -> Result<Self, DatasetError> {
        let n_images = images.len() / IMAGE_PIXELS;
        if n_images != labels.len() || !images.len().is_multiple_of(IMAGE_PIXELS) {
            return Err(DatasetError::CountMismatch { images: n_images, labels: labels.len() });
        }
        Ok(Self { images, labels })
    }

    /// Parses a split from its two gzipped files.
    pub fn from_gz(
        (images_name, images_gz): (&str, &[u8]),
        (labels_name, labels_gz): (&str, &[u8]),
        expected_count: Option<usize>,
    ) -> Result<Self, DatasetError> {
        let images = parse_images(images_name, &gunzip(images_name, images_gz)?, expected_count)?;
        let labels = parse_labels(labels_name, &gunzip(labels_name, labels_gz)?, expected_count)?;
        Self::new(images, labels)
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    pub fn image(&self, index: usize) -> &[u8] {
        &self.images[index * IMAGE_PIXELS..(index + 1) * IMAGE_PIXELS]
    }

    /// Keeps the first `n` items (all of them when `n` is larger), as `train_limit`/`test_limit` ask.
    pub fn truncate(&mut self, n: usize) {
        let n = n.min(self.len());
        self.images.truncate(n * IMAGE_PIXELS);
        self.labels.truncate(n);
    }
}

/// The whole dataset, both splits validated against the official counts.
#[derive(Clone, Debug, Default)]
pub struct FashionMnist {
    pub train: Split,
    pub test: Split,
}

impl FashionMnist {
    /// `files` in [`FILE_NAMES`] order, still gzipped.
    pub fn from_gz_files(files: [&[u8]; 4]) -> Result<Self, DatasetError> {
        let [n0, n1, n2, n3] = FILE_NAMES;
        Ok(Self {
            train: Split::from_gz((n0, files[0]), (n1, files[1]), Some(TRAIN_COUNT))?,
            test: Split::from_gz((n2, files[2]), (n3, files[3]), Some(TEST_COUNT))?,
        })
    }
}
