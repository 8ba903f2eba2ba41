//! The checks on an uploaded picture before the browser decodes it, and the sizes it is drawn
//! at. A small file can hold a picture of enormous size (a "decompression bomb": a 100 KB PNG
//! of 30,000 x 30,000 pixels decodes to 3.6 GB), so the size is read from the header first.

use std::fmt;

use super::format::{thousands, to_fixed};

/// Files larger than this are refused unread.
pub const MAX_UPLOAD_BYTES: f64 = 40.0 * 1024.0 * 1024.0;
/// Pictures with more pixels than this are refused before decoding.
pub const MAX_UPLOAD_PIXELS: f64 = 50e6;
/// How much of the file [`picture_size`] is given: every header it knows fits well within.
pub const SNIFF_BYTES: usize = 256 * 1024;
/// Uploads are scaled down to this longest side before classifying: the preprocessing works
/// at 256 pixels anyway, and a 48-megapixel photo would otherwise cost 190 MB of pixels.
pub const UPLOAD_SIDE: f64 = 1024.0;

const MIB: f64 = 1024.0 * 1024.0;

/// The picture formats whose headers are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PictureKind {
    Png,
    Jpeg,
    Gif,
    WebP,
}

impl PictureKind {
    pub fn name(self) -> &'static str {
        match self {
            PictureKind::Png => "PNG",
            PictureKind::Jpeg => "JPEG",
            PictureKind::Gif => "GIF",
            PictureKind::WebP => "WebP",
        }
    }
}

/// Width and height as the header states them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PictureSize {
    pub width: u32,
    pub height: u32,
    pub kind: PictureKind,
}

fn size(width: u32, height: u32, kind: PictureKind) -> Option<PictureSize> {
    Some(PictureSize { width, height, kind })
}

fn u16le(b: &[u8], i: usize) -> u32 {
    u32::from(b[i]) | (u32::from(b[i + 1]) << 8)
}

fn u24le(b: &[u8], i: usize) -> u32 {
    u16le(b, i) | (u32::from(b[i + 2]) << 16)
}

fn u32be(b: &[u8], i: usize) -> u32 {
    u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

/// Width and height from a PNG, JPEG, GIF or WebP header; `None` if the bytes are none of
/// these. A JPEG whose frame header is not within `b` reads as 0 x 0: the decoder decides.
pub fn picture_size(b: &[u8]) -> Option<PictureSize> {
    if b.len() >= 24 && b.starts_with(&[0x89, b'P', b'N', b'G']) {
        return size(u32be(b, 16), u32be(b, 20), PictureKind::Png);
    }
    if b.len() >= 10 && b.starts_with(b"GIF") {
        return size(u16le(b, 6), u16le(b, 8), PictureKind::Gif);
    }
    if b.len() >= 30 && &b[0..4] == b"RIFF" && &b[8..12] == b"WEBP" {
        return webp_size(b);
    }
    if b.len() >= 4 && b[0] == 0xff && b[1] == 0xd8 {
        return Some(jpeg_size(b));
    }
    None
}

/// The three WebP chunk kinds: extended, lossless and lossy (`b` is at least 30 bytes).
fn webp_size(b: &[u8]) -> Option<PictureSize> {
    match &b[12..16] {
        b"VP8X" => size(1 + u24le(b, 24), 1 + u24le(b, 27), PictureKind::WebP),
        b"VP8L" => {
            let bits = u32::from_le_bytes([b[21], b[22], b[23], b[24]]);
            size(1 + (bits & 0x3fff), 1 + ((bits >> 14) & 0x3fff), PictureKind::WebP)
        }
        b"VP8 " => size(u16le(b, 26) & 0x3fff, u16le(b, 28) & 0x3fff, PictureKind::WebP),
        _ => None,
    }
}

/// Walks the segments to the frame header (SOF0..SOF15 except DHT, JPG and DAC).
fn jpeg_size(b: &[u8]) -> PictureSize {
    let mut i = 2;
    while i + 9 < b.len() {
        if b[i] != 0xff {
            i += 1;
            continue;
        }
        let marker = b[i + 1];
        match marker {
            0xff => i += 1,
            0xc0..=0xcf if !matches!(marker, 0xc4 | 0xc8 | 0xcc) => {
                let (height, width) = (u16be(b, i + 5), u16be(b, i + 7));
                return PictureSize { width, height, kind: PictureKind::Jpeg };
            }
            // Markers without a length: start of image, restarts, TEM.
            0xd8 | 0xd0..=0xd7 | 0x01 => i += 2,
            _ => i += 2 + u16be(b, i + 2) as usize,
        }
    }
    PictureSize { width: 0, height: 0, kind: PictureKind::Jpeg }
}

fn u16be(b: &[u8], i: usize) -> u32 {
    (u32::from(b[i]) << 8) | u32::from(b[i + 1])
}

/// Why an upload was refused.
#[derive(Clone, Debug, PartialEq)]
pub enum UploadError {
    /// The file is over [`MAX_UPLOAD_BYTES`].
    TooLarge { bytes: f64 },
    /// No known picture header.
    NotAPicture { name: String },
    /// The header states more than [`MAX_UPLOAD_PIXELS`].
    TooManyPixels { name: String, size: PictureSize },
    /// The browser could not decode it.
    Unreadable { name: String },
}

impl fmt::Display for UploadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UploadError::TooLarge { bytes } => write!(
                f,
                "That file is {} MB; pictures up to {} MB are accepted.",
                to_fixed(bytes / MIB, 0),
                MAX_UPLOAD_BYTES / MIB
            ),
            UploadError::NotAPicture { name } => {
                write!(f, "\"{name}\" is not a PNG, JPEG, GIF or WebP picture: choose a photo or a scan of an item.")
            }
            UploadError::TooManyPixels { name, size } => write!(
                f,
                "\"{name}\" is a {} × {} pixel {}: pictures up to {} megapixels are accepted. \
                 Scale it down and try again.",
                thousands(u64::from(size.width)),
                thousands(u64::from(size.height)),
                size.kind.name(),
                MAX_UPLOAD_PIXELS / 1e6
            ),
            UploadError::Unreadable { name } => {
                write!(f, "\"{name}\" could not be read as a picture: choose a PNG or JPEG image.")
            }
        }
    }
}

impl std::error::Error for UploadError {}

/// The check before anything is read: the file's size in bytes.
pub fn check_file_size(bytes: f64) -> Result<(), UploadError> {
    if bytes > MAX_UPLOAD_BYTES { Err(UploadError::TooLarge { bytes }) } else { Ok(()) }
}

/// The check of the file's first [`SNIFF_BYTES`], before it is decoded.
pub fn check_header(name: &str, head: &[u8]) -> Result<PictureSize, UploadError> {
    let size = picture_size(head).ok_or_else(|| UploadError::NotAPicture { name: name.into() })?;
    if f64::from(size.width) * f64::from(size.height) > MAX_UPLOAD_PIXELS {
        return Err(UploadError::TooManyPixels { name: name.into(), size });
    }
    Ok(size)
}

/// The size a decoded picture is scaled to: at most [`UPLOAD_SIDE`] a side, never enlarged,
/// never below one pixel.
pub fn scaled_size(width: u32, height: u32) -> (u32, u32) {
    let (w, h) = (f64::from(width), f64::from(height));
    let scale = (UPLOAD_SIDE / w.max(h)).min(1.0);
    let side = |v: f64| (v * scale).round().max(1.0) as u32;
    (side(w), side(h))
}

/// Where a `width` x `height` picture goes, whole and centred, in a box of `box_w` x `box_h`:
/// `(x, y, w, h)`.
pub fn letterbox(box_w: f64, box_h: f64, width: f64, height: f64) -> (f64, f64, f64, f64) {
    let fit = (box_w / width).min(box_h / height);
    let (w, h) = (width * fit, height * fit);
    ((box_w - w) / 2.0, (box_h - h) / 2.0, w, h)
}
