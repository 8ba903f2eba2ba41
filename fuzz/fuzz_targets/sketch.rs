//! The sketch preprocessing on pictures of any size and pixels (1x1, 1xN, all-equal, extreme
//! aspect ratios), from RGBA bytes as the worker gets them.
#![no_main]

use fashion_cnn::dataset::IMAGE_PIXELS;
use fashion_cnn::sketch::{Gray, prepare};
use fashion_cnn_fuzz::picture;
use libfuzzer_sys::fuzz_target;

/// Pictures up to 65,536 pixels (1 x 65,535 included): larger ones take the same paths
/// (reduced to 256 a side first), only more slowly; `cargo test` tries a few of those.
const FUZZ_PIXELS: usize = 1 << 16;

fuzz_target!(|data: &[u8]| {
    let Some((w, h, rgba)) = picture(data, FUZZ_PIXELS) else { return };
    match Gray::from_rgba(w, h, &rgba) {
        Ok(gray) => {
            let p = prepare(&gray);
            assert_eq!(p.image.len(), IMAGE_PIXELS);
            assert!(!p.empty || p.image.iter().all(|&v| v == 0));
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
