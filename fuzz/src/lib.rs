//! What the fuzz targets and the seed writer share: how a target's input is laid out.
//!
//! Some formats guard their contents with a checksum or a compression layer that random
//! mutations almost never get through; those targets also take the contents "framed": the
//! input becomes the body and the frame is made valid around it, so the fuzzer spends its time
//! in the parser behind the guard.

use std::io::Write;

use fashion_cnn::model_file::{MAGIC, VERSION};
use fashion_cnn::protocol::Buffer;

/// A model file around `body` (everything after the length field, before the checksum), with
/// its length and CRC-32 right.
pub fn frame_model(body: &[u8]) -> Vec<u8> {
    let mut file = MAGIC.to_vec();
    file.extend_from_slice(&VERSION.to_le_bytes());
    let total = (MAGIC.len() + 4 + 4 + body.len() + 4) as u32;
    file.extend_from_slice(&total.to_le_bytes());
    file.extend_from_slice(body);
    let mut crc = flate2::Crc::new();
    crc.update(&file);
    file.extend_from_slice(&crc.sum().to_le_bytes());
    file
}

/// The body [`frame_model`] would frame back into `file`.
pub fn model_body(file: &[u8]) -> &[u8] {
    &file[MAGIC.len() + 8..file.len() - 4]
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).expect("writing to memory");
    enc.finish().expect("writing to memory")
}

/// A protocol message as the fuzzer sees it: the control part as JSON text, a zero byte, then
/// the bulk buffers, each a kind byte (0 u8, 1 u32, 2 f32), a u16 length in bytes and the bytes.
pub fn split_message(data: &[u8]) -> (&[u8], Vec<Buffer>) {
    let cut = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    let (control, mut rest) = (&data[..cut], data.get(cut + 1..).unwrap_or(&[]));
    let mut buffers = Vec::new();
    while rest.len() >= 3 {
        let (kind, len) = (rest[0], u16::from_le_bytes([rest[1], rest[2]]) as usize);
        let bytes = &rest[3..(3 + len).min(rest.len())];
        rest = &rest[(3 + len).min(rest.len())..];
        let words = |b: &[u8]| b.chunks_exact(4).map(|c| [c[0], c[1], c[2], c[3]]).collect::<Vec<_>>();
        buffers.push(match kind % 3 {
            0 => Buffer::U8(bytes.to_vec()),
            1 => Buffer::U32(words(bytes).into_iter().map(u32::from_le_bytes).collect()),
            _ => Buffer::F32(words(bytes).into_iter().map(f32::from_le_bytes).collect()),
        });
    }
    (control, buffers)
}

/// The inverse of [`split_message`].
pub fn join_message(control: &[u8], buffers: &[Buffer]) -> Vec<u8> {
    let mut out = control.to_vec();
    out.push(0);
    for b in buffers {
        let (kind, bytes) = buffer_bytes(b);
        out.push(kind);
        out.extend_from_slice(&(bytes.len() as u16).to_le_bytes());
        out.extend_from_slice(&bytes);
    }
    out
}

/// A buffer's kind and bytes: NaN-safe equality for round-trip checks.
pub fn buffer_bytes(b: &Buffer) -> (u8, Vec<u8>) {
    match b {
        Buffer::U8(v) => (0, v.clone()),
        Buffer::U32(v) => (1, v.iter().flat_map(|x| x.to_le_bytes()).collect()),
        Buffer::F32(v) => (2, v.iter().flat_map(|x| x.to_le_bytes()).collect()),
    }
}

/// A picture as the sketch target reads its input: width and height (u16 each, so any shape
/// from 1 x 65,535 up is reachable), then pixels, repeated to fill the picture (`tile`) or
/// taken as they are (so wrong lengths are tried too).
pub fn picture(data: &[u8], max_pixels: usize) -> Option<(usize, usize, Vec<u8>)> {
    let (&[flags, w0, w1, h0, h1], ink) = data.split_first_chunk::<5>()?;
    let (w, h) = (u16::from_le_bytes([w0, w1]) as usize, u16::from_le_bytes([h0, h1]) as usize);
    if flags & 1 == 0 || ink.is_empty() {
        return Some((w, h, ink.to_vec()));
    }
    let n = w.checked_mul(h).filter(|&n| n <= max_pixels)?;
    Some((w, h, ink.iter().copied().cycle().take(n * 4).collect()))
}
