//! Model files anyone can hand the page: raw, and framed (valid length and checksum around
//! the fuzzer's body, so it gets past the CRC into the contents).
#![no_main]

use fashion_cnn::model_file::ModelFile;
use fashion_cnn_fuzz::frame_model;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let bytes = if mode & 1 == 0 { rest.to_vec() } else { frame_model(rest) };
    match ModelFile::decode(&bytes) {
        Ok(model) => {
            // What was read can be written and read back the same (bytes compared: NaN weights).
            let again = model.encode();
            let back = ModelFile::decode(&again).expect("a model that was read re-encodes to a readable file");
            assert_eq!(back.encode(), again);
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
