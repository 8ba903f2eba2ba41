//! The upload check: a picture's size read from its first bytes, before the browser decodes it.
#![no_main]

use fashion_cnn::view::picture::{MAX_UPLOAD_PIXELS, UPLOAD_SIDE, check_header, picture_size, scaled_size};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let sniffed = picture_size(data);
    match check_header("fuzz", data) {
        Ok(size) => {
            assert_eq!(Some(size), sniffed);
            assert!(f64::from(size.width) * f64::from(size.height) <= MAX_UPLOAD_PIXELS);
            let (w, h) = scaled_size(size.width, size.height);
            assert!(w >= 1 && h >= 1 && f64::from(w.max(h)) <= UPLOAD_SIDE.max(1.0));
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
