//! The dataset files as the worker reads them from any `data` URL: gzip, then IDX.
#![no_main]

use fashion_cnn::dataset::{
    IMAGE_PIXELS, MAX_IDX_BYTES, NUM_CLASSES, Split, TEST_COUNT, TRAIN_COUNT, gunzip, parse_images, parse_labels,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let expected = [None, Some(1), Some(TEST_COUNT), Some(TRAIN_COUNT)][(mode >> 2 & 3) as usize];
    // Modes 0 and 1: the bytes are a decompressed file; mode 2: a gzip file, as downloaded.
    let raw = if mode & 3 == 2 {
        match gunzip("fuzz.gz", rest) {
            Ok(raw) => {
                assert!(raw.len() <= MAX_IDX_BYTES);
                raw
            }
            Err(e) => return assert!(!e.to_string().is_empty()),
        }
    } else {
        rest.to_vec()
    };
    let images = (mode & 3 != 1).then(|| parse_images("fuzz", &raw, expected));
    let labels = (mode & 3 != 0).then(|| parse_labels("fuzz", &raw, expected));
    if let Some(Ok(images)) = &images {
        assert_eq!(images.len() % IMAGE_PIXELS, 0);
        assert!(expected.is_none_or(|n| images.len() == n * IMAGE_PIXELS));
    }
    if let Some(Ok(labels)) = &labels {
        assert!(labels.iter().all(|&l| (l as usize) < NUM_CLASSES));
        assert!(expected.is_none_or(|n| labels.len() == n));
    }
    if let (Some(Ok(images)), Some(Ok(labels))) = (images, labels)
        && let Ok(split) = Split::new(images, labels)
    {
        (0..split.len()).for_each(|i| assert_eq!(split.image(i).len(), IMAGE_PIXELS));
    }
});
