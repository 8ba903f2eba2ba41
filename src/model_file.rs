//! One file for a whole classifier: the CNN's weights, the SVM fitted on its features, and what
//! the model is (architecture, how it was trained, its measured accuracy). The page saves and
//! loads it, the native command writes the model shipped with the page, and IndexedDB keeps the
//! last trained one across reloads.
//!
//! The format is our own and small: the weights are read with one async read (the only kind
//! WebGPU in a browser has) and rebuilt by mapping over a freshly built model, so a file that
//! does not fit the architecture it names is refused before anything is replaced.
//!
//! Layout, little-endian: magic `FMNIST-MODEL`, format version (u32), the whole file's length
//! (u32, so a cut-off download is told from a damaged file), info length (u32) and the
//! info as `key=value` lines, tensor count (u32) then per tensor its rank, dims and `f32`
//! values, an SVM flag (u8) and the SVM, from version 2 the classes of one's own (count, then
//! per class its name and its 28×28 examples), and a CRC-32 of everything before it. Version 1
//! files (no classes of one's own) are still read.

use std::fmt;

use crate::arch::Arch;
use crate::custom::{CustomClass, CustomClasses, MAX_CLASSES, MAX_EXAMPLES};
use crate::dataset::{IMAGE_PIXELS, NUM_CLASSES};
use crate::svm::{FeatureMap, FourierFeatures, LinearSvm, Standardizer, SvmClassifier};

pub const MAGIC: &[u8; 12] = b"FMNIST-MODEL";
pub const VERSION: u32 = 2;
/// The oldest format still read.
pub const OLDEST_VERSION: u32 = 1;
/// Larger files are refused before parsing: the biggest architecture with its SVM is ~3 MB.
pub const MAX_BYTES: usize = 64 << 20;
/// The file name the page offers for downloads and the shipped model's name.
pub const EXTENSION: &str = "fmnist";

/// What a model is, shown beside it on the page.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ModelInfo {
    /// How it was trained: the settings query (`epochs=10&sketch_aug=0.5`).
    pub settings: String,
    /// Who made it: `page` (trained in the browser) or `fashion-train` (the native command).
    pub made_by: String,
    /// Test accuracy of the CNN's head and of CNN+SVM, on `test_images` test images.
    pub cnn_accuracy: Option<f64>,
    pub svm_accuracy: Option<f64>,
    pub test_images: usize,
    /// Training images seen (epochs × images, fewer when stopped early).
    pub trained_images: usize,
}

/// The CNN's parameters in the order the module visits them, with their shapes.
#[derive(Clone, Debug, PartialEq)]
pub struct Weights {
    pub arch: Arch,
    pub shapes: Vec<Vec<usize>>,
    /// All parameters, flattened and concatenated.
    pub values: Vec<f32>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ModelFile {
    pub info: ModelInfo,
    pub weights: Weights,
    pub svm: Option<SvmClassifier>,
    /// The classes of one's own, with their examples; the SVM, if any, has a classifier for
    /// each after the ten.
    pub custom: CustomClasses,
}

/// Why a file was refused; each message says what is wrong in the user's terms.
#[derive(Clone, Debug, PartialEq)]
pub enum FileError {
    Empty,
    TooLarge(usize),
    NotAModel,
    Version(u32),
    Truncated,
    Damaged,
    Invalid(String),
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileError::Empty => write!(f, "the file is empty"),
            FileError::TooLarge(n) => write!(
                f,
                "the file is {:.1} MB, far more than any model this page saves (at most {} MB)",
                *n as f64 / 1e6,
                MAX_BYTES >> 20
            ),
            FileError::NotAModel => write!(f, "it is not a model file saved by this page (.{EXTENSION})"),
            FileError::Version(v) => {
                write!(
                    f,
                    "it is a model file of format version {v}; this page reads versions {OLDEST_VERSION} to {VERSION}"
                )
            }
            FileError::Truncated => write!(f, "the file is truncated: it ends before the model does"),
            FileError::Damaged => write!(f, "the file is damaged: its checksum does not match its contents"),
            FileError::Invalid(why) => write!(f, "{why}"),
        }
    }
}

impl std::error::Error for FileError {}

// Reading weights off a model and building one from them needs Burn; the page's own wasm,
// which only needs this module's limits, builds without it.
#[cfg(feature = "ml")]
pub use weights_io::{flat_parameters, read_weights, shapes};

#[cfg(feature = "ml")]
mod weights_io {
    use super::{FileError, Weights};
    use crate::model::Model;
    use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
    use burn::prelude::*;

    /// Parameter shapes of `model`, in visiting order.
    pub fn shapes(model: &Model) -> Vec<Vec<usize>> {
        struct Shapes(Vec<Vec<usize>>);
        impl ModuleVisitor for Shapes {
            fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
                self.0.push(param.val().dims().to_vec());
            }
        }
        let mut v = Shapes(Vec::new());
        model.visit(&mut v);
        v.0
    }

    /// All parameters of `model` flattened into one tensor, so they come back in one read.
    pub fn flat_parameters(model: &Model) -> Tensor<1> {
        struct Flat(Vec<Tensor<1>>);
        impl ModuleVisitor for Flat {
            fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
                let t = param.val();
                let n = t.shape().num_elements();
                self.0.push(t.reshape([n]));
            }
        }
        let mut v = Flat(Vec::new());
        model.visit(&mut v);
        Tensor::cat(v.0, 0)
    }

    /// Reads the weights of `model` back from its device.
    pub async fn read_weights(model: &Model) -> Result<Weights, String> {
        let data = flat_parameters(model).into_data_async().await.map_err(|e| format!("reading the weights: {e:?}"))?;
        let values = data.convert::<f32>().try_to_vec::<f32>().map_err(|e| format!("the weights: {e:?}"))?;
        Ok(Weights { arch: model.arch(), shapes: shapes(model), values })
    }

    impl Weights {
        /// A model of this architecture on `device` with these weights; refused unless every
        /// parameter's shape is the architecture's.
        pub fn build(&self, device: &Device) -> Result<Model, FileError> {
            let fresh = self.arch.init(device);
            let expected = shapes(&fresh);
            if expected != self.shapes {
                let detail = expected
                    .iter()
                    .zip(&self.shapes)
                    .position(|(a, b)| a != b)
                    .map_or(format!("{} parameters instead of {}", self.shapes.len(), expected.len()), |i| {
                        format!("parameter {} is {:?}, not {:?}", i + 1, self.shapes[i], expected[i])
                    });
                return Err(FileError::Invalid(format!(
                    "its weights do not fit the {} architecture: {detail}",
                    self.arch
                )));
            }
            struct Load<'a> {
                values: &'a [f32],
                device: &'a Device,
            }
            impl ModuleMapper for Load<'_> {
                fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
                    param.map(|t| {
                        let dims = t.dims();
                        let n: usize = dims.iter().product();
                        let (mine, rest) = self.values.split_at(n);
                        self.values = rest;
                        Tensor::<D>::from_data(TensorData::new(mine.to_vec(), dims), self.device)
                    })
                }
            }
            Ok(fresh.map(&mut Load { values: &self.values, device }))
        }
    }
}

impl ModelFile {
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer(Vec::with_capacity(self.weights.values.len() * 4 + 1024));
        w.0.extend_from_slice(MAGIC);
        w.u32(VERSION);
        let length_at = w.0.len();
        w.u32(0);
        let info = self.info.to_text(self.weights.arch);
        w.u32(info.len() as u32);
        w.0.extend_from_slice(info.as_bytes());
        w.u32(self.weights.shapes.len() as u32);
        let mut values = &self.weights.values[..];
        for shape in &self.weights.shapes {
            w.u32(shape.len() as u32);
            shape.iter().for_each(|&d| w.u32(d as u32));
            let (mine, rest) = values.split_at(shape.iter().product());
            w.f32s(mine);
            values = rest;
        }
        match &self.svm {
            None => w.0.push(0),
            Some(svm) => {
                w.0.push(1);
                w.f32s_with_len(&svm.map.standardizer.mean);
                w.f32s_with_len(&svm.map.standardizer.scale);
                match &svm.map.fourier {
                    None => w.0.push(0),
                    Some(f) => {
                        w.0.push(1);
                        w.u32(f.in_dim as u32);
                        w.f32s(&[f.gamma]);
                        w.f32s_with_len(&f.weights);
                        w.f32s_with_len(&f.offsets);
                    }
                }
                w.u32(svm.svm.dim as u32);
                w.f32s_with_len(&svm.svm.weights);
                w.0.extend_from_slice(&svm.lambda.to_le_bytes());
            }
        }
        w.u32(self.custom.classes.len() as u32);
        for class in &self.custom.classes {
            w.u32(class.name.len() as u32);
            w.0.extend_from_slice(class.name.as_bytes());
            w.u32(class.count() as u32);
            w.0.extend_from_slice(&class.images);
        }
        let total = (w.0.len() + 4) as u32;
        w.0[length_at..length_at + 4].copy_from_slice(&total.to_le_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(&w.0);
        w.u32(crc.sum());
        w.0
    }

    /// What the file says it is (architecture, settings, accuracy), checked whole (length,
    /// checksum) but without reading the weights: what a list of kept models shows.
    pub fn peek(bytes: &[u8]) -> Result<(Arch, ModelInfo), FileError> {
        Self::header(bytes).map(|(_, _, arch, info)| (arch, info))
    }

    /// The reader past the info text, the body's end, and what the info says.
    fn header(bytes: &[u8]) -> Result<(Reader<'_>, usize, Arch, ModelInfo), FileError> {
        if bytes.is_empty() {
            return Err(FileError::Empty);
        }
        if bytes.len() > MAX_BYTES {
            return Err(FileError::TooLarge(bytes.len()));
        }
        if !bytes.starts_with(MAGIC) {
            return Err(FileError::NotAModel);
        }
        let mut r = Reader { bytes, at: MAGIC.len(), version: 0 };
        let version = r.u32()?;
        if !(OLDEST_VERSION..=VERSION).contains(&version) {
            return Err(FileError::Version(version));
        }
        r.version = version;
        let length = r.u32()? as usize;
        if bytes.len() < length {
            return Err(FileError::Truncated);
        }
        // Checked before the contents are interpreted, so a damaged count cannot ask for
        // gigabytes of memory.
        let body_end =
            length.checked_sub(4).filter(|&e| e >= r.at && length == bytes.len()).ok_or(FileError::Damaged)?;
        let mut crc = flate2::Crc::new();
        crc.update(&bytes[..body_end]);
        if crc.sum() != u32::from_le_bytes(bytes[body_end..].try_into().unwrap()) {
            return Err(FileError::Damaged);
        }
        let info_len = r.u32()? as usize;
        let info_text = std::str::from_utf8(r.take(info_len)?).map_err(|_| FileError::Damaged)?.to_owned();
        let (arch, info) = ModelInfo::from_text(&info_text)?;
        Ok((r, body_end, arch, info))
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, FileError> {
        let (mut r, body_end, arch, info) = Self::header(bytes)?;
        let tensor_count = r.u32()? as usize;
        // Each tensor takes at least its rank's four bytes: the count cannot reserve more.
        let mut shapes = Vec::with_capacity(tensor_count.min(r.remaining() / 4));
        let mut values = Vec::new();
        for _ in 0..tensor_count {
            let rank = r.u32()? as usize;
            let shape = (0..rank).map(|_| r.u32().map(|d| d as usize)).collect::<Result<Vec<_>, _>>()?;
            let n = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d)).ok_or(FileError::Damaged)?;
            values.extend(r.f32s(n)?);
            shapes.push(shape);
        }
        let svm = match r.u8()? {
            0 => None,
            _ => {
                let mean = r.f32s_with_len()?;
                let scale = r.f32s_with_len()?;
                let fourier = match r.u8()? {
                    0 => None,
                    _ => {
                        let in_dim = r.u32()? as usize;
                        let gamma = r.f32s(1)?[0];
                        let weights = r.f32s_with_len()?;
                        let offsets = r.f32s_with_len()?;
                        Some(FourierFeatures { in_dim, gamma, weights, offsets })
                    }
                };
                let dim = r.u32()? as usize;
                let weights = r.f32s_with_len()?;
                let lambda = f64::from_le_bytes(r.take(8)?.try_into().unwrap());
                let svm = SvmClassifier {
                    map: FeatureMap { standardizer: Standardizer { mean, scale }, fourier },
                    svm: LinearSvm { dim, weights },
                    lambda,
                };
                Some(svm)
            }
        };
        let custom = if r.version >= 2 { read_classes(&mut r)? } else { CustomClasses::default() };
        if let Some(svm) = &svm {
            check_svm(svm, arch, NUM_CLASSES + custom.classes.len())?;
        }
        if r.at != body_end {
            return Err(FileError::Damaged);
        }
        Ok(ModelFile { info, weights: Weights { arch, shapes, values }, svm, custom })
    }
}

/// The classes of one's own: each a name that is one (not one of the ten's) and whole
/// examples, within the limits a page can make.
fn read_classes(r: &mut Reader<'_>) -> Result<CustomClasses, FileError> {
    let count = r.u32()? as usize;
    if count > MAX_CLASSES {
        return Err(FileError::Invalid(format!(
            "it has {count} classes of its own, more than the {MAX_CLASSES} a page makes"
        )));
    }
    let mut custom = CustomClasses::default();
    for _ in 0..count {
        let len = r.u32()? as usize;
        let name = std::str::from_utf8(r.take(len)?).map_err(|_| FileError::Damaged)?.to_owned();
        let name = crate::custom::clean_name(&name)
            .map_err(|e| FileError::Invalid(format!("a class of its own is refused: {e}")))?;
        let examples = r.u32()? as usize;
        if examples > MAX_EXAMPLES {
            return Err(FileError::Invalid(format!(
                "its class {name} has {examples} examples, more than {MAX_EXAMPLES}"
            )));
        }
        let images = r.take(examples * IMAGE_PIXELS)?.to_vec();
        custom.classes.push(CustomClass { name, images });
    }
    Ok(custom)
}

/// The SVM must take this architecture's features and give a score per class: the ten and
/// the file's own.
fn check_svm(svm: &SvmClassifier, arch: Arch, classes: usize) -> Result<(), FileError> {
    let std = &svm.map.standardizer;
    let bad = |why: String| Err(FileError::Invalid(format!("its SVM does not fit the {arch} architecture: {why}")));
    if std.mean.len() != arch.feature_dim() || std.scale.len() != std.mean.len() {
        return bad(format!("it takes {} features, not {}", std.mean.len(), arch.feature_dim()));
    }
    if let Some(f) = &svm.map.fourier
        && (f.in_dim != std.dim() || f.weights.len() != f.in_dim * f.offsets.len())
    {
        return bad("its random Fourier features have the wrong size".into());
    }
    if svm.svm.dim != svm.map.out_dim() || svm.svm.weights.len() != classes * (svm.svm.dim + 1) {
        return bad(format!("its classifiers have {} weights for {} inputs", svm.svm.weights.len(), svm.map.out_dim()));
    }
    Ok(())
}

impl ModelInfo {
    fn to_text(&self, arch: Arch) -> String {
        // One line per value: a line break inside one (from a file that had it, say a bare
        // `\r` at the end) would come back as a different value or key.
        let line = |v: &str| v.replace(['\r', '\n'], " ");
        let mut s = format!("arch={arch}\nsettings={}\nmade_by={}\n", line(&self.settings), line(&self.made_by));
        if let Some(a) = self.cnn_accuracy {
            s += &format!("cnn_accuracy={a}\n");
        }
        if let Some(a) = self.svm_accuracy {
            s += &format!("svm_accuracy={a}\n");
        }
        s + &format!("test_images={}\ntrained_images={}\n", self.test_images, self.trained_images)
    }

    /// Unknown keys are skipped, so a later version may add some without breaking this one.
    fn from_text(text: &str) -> Result<(Arch, ModelInfo), FileError> {
        let mut info = ModelInfo::default();
        let mut arch = None;
        let invalid = |key: &str, value: &str| FileError::Invalid(format!("its {key} \"{value}\" is not valid"));
        for line in text.lines() {
            let Some((key, value)) = line.split_once('=') else { continue };
            match key {
                "arch" => {
                    arch = Some(value.parse::<Arch>().map_err(|e| {
                        FileError::Invalid(format!("it is a model of an architecture this page does not know ({e})"))
                    })?)
                }
                "settings" => info.settings = value.to_owned(),
                "made_by" => info.made_by = value.to_owned(),
                "cnn_accuracy" => info.cnn_accuracy = Some(value.parse().map_err(|_| invalid(key, value))?),
                "svm_accuracy" => info.svm_accuracy = Some(value.parse().map_err(|_| invalid(key, value))?),
                "test_images" => info.test_images = value.parse().map_err(|_| invalid(key, value))?,
                "trained_images" => info.trained_images = value.parse().map_err(|_| invalid(key, value))?,
                _ => {}
            }
        }
        Ok((arch.ok_or_else(|| FileError::Invalid("it does not say which architecture it is".into()))?, info))
    }
}

struct Writer(Vec<u8>);

impl Writer {
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn f32s(&mut self, v: &[f32]) {
        self.0.extend(v.iter().flat_map(|x| x.to_le_bytes()));
    }
    fn f32s_with_len(&mut self, v: &[f32]) {
        self.u32(v.len() as u32);
        self.f32s(v);
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    /// The file's format version, once read.
    version: u32,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], FileError> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len()).ok_or(FileError::Truncated)?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn remaining(&self) -> usize {
        self.bytes.len() - self.at
    }
    fn u8(&mut self) -> Result<u8, FileError> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32, FileError> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().unwrap()))
    }
    fn f32s(&mut self, n: usize) -> Result<Vec<f32>, FileError> {
        let bytes = self.take(n.checked_mul(4).ok_or(FileError::Damaged)?)?;
        Ok(bytes.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().unwrap())).collect())
    }
    fn f32s_with_len(&mut self) -> Result<Vec<f32>, FileError> {
        let n = self.u32()? as usize;
        self.f32s(n)
    }
}
