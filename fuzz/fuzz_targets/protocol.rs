//! Messages across the worker boundary, either way: any control value (JSON standing in for
//! the structured clone serde-wasm-bindgen reads) with any bulk buffers. What decodes must
//! re-encode to the same; a picture or model in a message goes on to the checks the worker
//! makes before using it.
#![no_main]

use fashion_cnn::model_file::ModelFile;
use fashion_cnn::protocol::{Buffer, FromWorker, ToWorker, decode, encode};
use fashion_cnn::sketch::Gray;
use fashion_cnn_fuzz::{buffer_bytes, split_message};
use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use serde::de::DeserializeOwned;

fn round_trip<M: Serialize + DeserializeOwned>(value: &serde_json::Value, buffers: &[Buffer]) -> Option<M> {
    let msg: M = decode(buffers.to_vec(), || serde_json::from_value(value.clone())).ok()?;
    let once = encode(&msg, |m| serde_json::to_value(m)).expect("a decoded message encodes");
    let back: M = decode(once.1.clone(), || serde_json::from_value(once.0.clone())).expect("and decodes again");
    let twice = encode(&back, |m| serde_json::to_value(m)).expect("a decoded message encodes");
    assert_eq!(once.0, twice.0);
    assert_eq!(
        once.1.iter().map(buffer_bytes).collect::<Vec<_>>(),
        twice.1.iter().map(buffer_bytes).collect::<Vec<_>>()
    );
    Some(msg)
}

fuzz_target!(|data: &[u8]| {
    let (control, buffers) = split_message(data);
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(control) else { return };
    match round_trip::<ToWorker>(&value, &buffers) {
        Some(ToWorker::Classify { width, height, rgba, .. }) => {
            let _ = Gray::from_rgba(width as usize, height as usize, &rgba);
        }
        Some(ToWorker::LoadModel { bytes, .. }) => {
            let _ = ModelFile::decode(&bytes);
        }
        _ => {}
    }
    let _ = round_trip::<FromWorker>(&value, &buffers);
});
