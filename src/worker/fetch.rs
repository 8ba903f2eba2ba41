//! Downloads the four dataset files with byte-level progress.

use js_sys::{Array, Promise, Reflect, Uint8Array};
use std::cell::RefCell;
use std::collections::HashMap;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{ReadableStreamDefaultReader, Response};

use super::send::scope;
use crate::dataset::{DatasetError, FILE_NAMES, MAX_GZ_BYTES};

/// Sizes of the official gzip files, used for the progress bar when a server sends no
/// Content-Length.
pub const EXPECTED_SIZES: [u64; 4] = [26_421_856, 29_491, 4_422_079, 5_125];

fn js_err(context: &str, e: JsValue) -> String {
    let detail = e
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| format!("{e:?}"));
    format!("{context}: {detail}")
}

thread_local! {
    /// Files downloaded whole by an attempt that failed later: a retry after a broken
    /// connection fetches only what is missing.
    static COMPLETE: RefCell<HashMap<String, Vec<u8>>> = RefCell::new(HashMap::new());
}

/// A download with no new bytes for this long is given up (and Retry offered): a server that
/// stops sending without closing the connection would otherwise leave the page waiting forever.
const STALL_MS: i32 = 30_000;

/// `promise`'s outcome, or `Ok(None)` if it has not settled after STALL_MS.
async fn unless_stalled(promise: Promise) -> Result<Option<JsValue>, JsValue> {
    const STALLED: &str = "fashion-lab: stalled";
    let timer = Promise::new(&mut |resolve, _| {
        let _ = scope().set_timeout_with_callback_and_timeout_and_arguments_1(&resolve, STALL_MS, &STALLED.into());
    });
    let v = JsFuture::from(Promise::race(&Array::of2(&promise, &timer))).await?;
    Ok(if v.as_string().as_deref() == Some(STALLED) { None } else { Some(v) })
}

/// Fetches `base + name` for each dataset file, calling `progress(loaded, total)` as bytes
/// arrive. Errors name the URL and say what went wrong in words a user can act on.
pub async fn fetch_dataset(base: &str, mut progress: impl FnMut(u64, u64)) -> Result<Vec<Vec<u8>>, String> {
    let mut total: u64 = EXPECTED_SIZES.iter().sum();
    let mut done: u64 = 0;
    let mut files = Vec::new();
    for (i, name) in FILE_NAMES.iter().enumerate() {
        let url = format!("{base}{name}");
        if let Some(bytes) = COMPLETE.with(|c| c.borrow().get(&url).cloned()) {
            total = total - EXPECTED_SIZES[i] + bytes.len() as u64;
            done += bytes.len() as u64;
            progress(done, total.max(done));
            files.push(bytes);
            continue;
        }
        let stalled = || format!("Download of {url} stalled: no data for {} s", STALL_MS / 1000);
        let resp = unless_stalled(scope().fetch_with_str(&url))
            .await
            .map_err(|e| js_err(&format!("Could not reach {url} (is the data URL right and the server up?)"), e))?
            .ok_or_else(stalled)?;
        let resp: Response = resp.unchecked_into();
        if !resp.ok() {
            return Err(format!(
                "Could not download {url}: the server answered {} {}. Put the four Fashion-MNIST .gz files there \
                 (the setup script copies them into data/).",
                resp.status(),
                resp.status_text()
            ));
        }
        if let Some(len) = resp.headers().get("content-length").ok().flatten().and_then(|s| s.parse::<u64>().ok()) {
            total = total - EXPECTED_SIZES[i] + len;
        }
        let body = resp.body().ok_or_else(|| format!("{url}: empty response"))?;
        let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
        let mut bytes = Vec::new();
        loop {
            let Some(chunk) =
                unless_stalled(reader.read()).await.map_err(|e| js_err(&format!("Download of {url} broke off"), e))?
            else {
                let _ = reader.cancel();
                return Err(stalled());
            };
            if Reflect::get(&chunk, &"done".into()).ok().and_then(|d| d.as_bool()).unwrap_or(true) {
                break;
            }
            let value: Uint8Array =
                Reflect::get(&chunk, &"value".into()).map_err(|e| js_err(&url, e))?.unchecked_into();
            let start = bytes.len();
            // A host that sends more than any dataset file is not one: stop before the tab
            // runs out of memory.
            if start + value.length() as usize > MAX_GZ_BYTES {
                let _ = reader.cancel();
                let too_large = DatasetError::TooLarge { file: url, limit: MAX_GZ_BYTES, compressed: true };
                return Err(too_large.to_string());
            }
            bytes.resize(start + value.length() as usize, 0);
            value.copy_to(&mut bytes[start..]);
            done += value.length() as u64;
            progress(done, total.max(done));
        }
        COMPLETE.with(|c| c.borrow_mut().insert(url, bytes.clone()));
        files.push(bytes);
    }
    COMPLETE.with(|c| c.borrow_mut().clear());
    Ok(files)
}
