//! The models kept in this browser (IndexedDB), so that they survive a reload, and which one
//! was in use.
//!
//! Each record is the one the JavaScript page kept, `{bytes: ArrayBuffer, savedAt: ms}`; that
//! page's single `last-trained` record is simply one more kept model. The database is opened
//! for each operation and closed once its transaction is over.

use std::fmt;

use js_sys::{ArrayBuffer, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbObjectStore, IdbOpenDbRequest, IdbRequest, IdbTransaction, IdbTransactionMode};

use super::dom::{js_error, window};

const DB: &str = "fashion-mnist-lab";
/// Version 2 added the experiment log's stores.
const DB_VERSION: u32 = 2;
const STORE: &str = "models";
/// The experiment log: one record per run, keyed by its id.
pub const RUNS: &str = "runs";
/// Run records that did not parse, kept as they were rather than deleted.
pub const RUNS_ASIDE: &str = "runs-aside";
const STORES: [&str; 3] = [STORE, RUNS, RUNS_ASIDE];

/// Why the browser's storage could not be used.
#[derive(Clone, Debug, PartialEq)]
pub enum StorageError {
    /// No IndexedDB here (a private window, a sandboxed frame, or switched off).
    Unavailable(String),
    /// IndexedDB refused or failed the operation (full, blocked, damaged).
    Failed(String),
}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageError::Unavailable(why) => {
                write!(
                    f,
                    "This browser does not let the page keep data (IndexedDB unavailable: {why}); models are not kept across visits."
                )
            }
            StorageError::Failed(why) => {
                write!(
                    f,
                    "The browser's storage (IndexedDB) failed: {why}. Models are not kept across visits until it works again."
                )
            }
        }
    }
}

impl std::error::Error for StorageError {}

/// The record naming the model in use: a kept model's key, or [`SHIPPED`].
const IN_USE: &str = "in-use";
/// [`IN_USE`]'s value when the shipped model is in use.
pub const SHIPPED: &str = "shipped";

/// The keys of every kept model (the old page's `last-trained` among them).
pub async fn keys() -> Result<Vec<String>, StorageError> {
    let keys = run(IdbTransactionMode::Readonly, |s| s.get_all_keys()).await?;
    let keys = keys.dyn_into::<js_sys::Array>().map_err(|v| StorageError::Failed(js_error(&v)))?;
    Ok(keys.iter().filter_map(|k| k.as_string()).filter(|k| k != IN_USE).collect())
}

/// A kept model and when it was kept (ms since 1970; 0 when the record does not say). A record
/// without readable bytes counts as none.
pub async fn get(key: &str) -> Result<Option<(Vec<u8>, f64)>, StorageError> {
    let record = run(IdbTransactionMode::Readonly, |s| s.get(&key.into())).await?;
    if record.is_undefined() || record.is_null() {
        return Ok(None);
    }
    let Some(bytes) = record_bytes(&record) else {
        return Ok(None);
    };
    let saved_at = Reflect::get(&record, &"savedAt".into()).ok().and_then(|v| v.as_f64()).filter(|t| t.is_finite());
    Ok(Some((bytes, saved_at.unwrap_or(0.0))))
}

/// Keeps `bytes` under `key`, stamped `saved_at`.
pub async fn put(key: &str, bytes: &[u8], saved_at: f64) -> Result<(), StorageError> {
    let record = Object::new();
    let buffer = Uint8Array::from(bytes).buffer();
    let _ = Reflect::set(&record, &"bytes".into(), &buffer);
    let _ = Reflect::set(&record, &"savedAt".into(), &saved_at.into());
    run(IdbTransactionMode::Readwrite, |s| s.put_with_key(&record, &key.into())).await.map(drop)
}

pub async fn delete(key: &str) -> Result<(), StorageError> {
    run(IdbTransactionMode::Readwrite, |s| s.delete(&key.into())).await.map(drop)
}

/// The key of the model in use when the page was last left, if it said.
pub async fn in_use() -> Result<Option<String>, StorageError> {
    Ok(run(IdbTransactionMode::Readonly, |s| s.get(&IN_USE.into())).await?.as_string())
}

pub async fn set_in_use(key: &str) -> Result<(), StorageError> {
    run(IdbTransactionMode::Readwrite, |s| s.put_with_key(&key.into(), &IN_USE.into())).await.map(drop)
}

/// The old page kept an ArrayBuffer; a typed array is read too.
fn record_bytes(record: &JsValue) -> Option<Vec<u8>> {
    let bytes = Reflect::get(record, &"bytes".into()).ok()?;
    if let Some(buffer) = bytes.dyn_ref::<ArrayBuffer>() {
        Some(Uint8Array::new(buffer).to_vec())
    } else {
        bytes.dyn_ref::<Uint8Array>().map(Uint8Array::to_vec)
    }
}

/// Opens the database, runs `op` on the store in one transaction, closes the database and
/// returns the request's result once the transaction has completed.
async fn run(
    mode: IdbTransactionMode,
    op: impl FnOnce(&IdbObjectStore) -> Result<IdbRequest, JsValue>,
) -> Result<JsValue, StorageError> {
    run_in(STORE, mode, op).await
}

/// [`run`] on the store named `store`.
pub async fn run_in(
    store: &str,
    mode: IdbTransactionMode,
    op: impl FnOnce(&IdbObjectStore) -> Result<IdbRequest, JsValue>,
) -> Result<JsValue, StorageError> {
    let db = open().await?;
    let result = transact(&db, store, mode, op).await;
    db.close();
    result
}

async fn open() -> Result<IdbDatabase, StorageError> {
    let unavailable = |e: JsValue| StorageError::Unavailable(js_error(&e));
    let factory = window()
        .indexed_db()
        .map_err(unavailable)?
        .ok_or_else(|| StorageError::Unavailable("the browser has none".into()))?;
    let request = factory.open_with_u32(DB, DB_VERSION).map_err(unavailable)?;
    let upgrade = {
        let request = request.clone();
        // A new (or older) database gets the stores it lacks; nothing else changed.
        Closure::<dyn FnMut()>::new(move || {
            if let Ok(db) = request.result().and_then(|r| r.dyn_into::<IdbDatabase>()) {
                let names = db.object_store_names();
                for store in STORES {
                    if !names.contains(store) {
                        let _ = db.create_object_store(store);
                    }
                }
            }
        })
    };
    request.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
    let opened = settle(|ok, err| {
        request.set_onsuccess(Some(ok));
        request.set_onerror(Some(err));
    })
    .await;
    clear_open(&request);
    drop(upgrade);
    opened.map_err(|_| StorageError::Unavailable(error_of(&request)))?;
    let db = request.result().map_err(|e| StorageError::Unavailable(js_error(&e)))?;
    db.dyn_into::<IdbDatabase>().map_err(|v| StorageError::Unavailable(js_error(&v)))
}

fn clear_open(request: &IdbOpenDbRequest) {
    request.set_onupgradeneeded(None);
    request.set_onsuccess(None);
    request.set_onerror(None);
}

async fn transact(
    db: &IdbDatabase,
    store: &str,
    mode: IdbTransactionMode,
    op: impl FnOnce(&IdbObjectStore) -> Result<IdbRequest, JsValue>,
) -> Result<JsValue, StorageError> {
    let failed = |e: JsValue| StorageError::Failed(js_error(&e));
    let tx = db.transaction_with_str_and_mode(store, mode).map_err(failed)?;
    let request = tx.object_store(store).and_then(|s| op(&s)).map_err(failed)?;
    let done = settle(|ok, err| {
        tx.set_oncomplete(Some(ok));
        tx.set_onerror(Some(err));
        tx.set_onabort(Some(err));
    })
    .await;
    clear_transaction(&tx);
    done.map_err(|_| StorageError::Failed(error_of(&tx)))?;
    request.result().map_err(failed)
}

fn clear_transaction(tx: &IdbTransaction) {
    tx.set_oncomplete(None);
    tx.set_onerror(None);
    tx.set_onabort(None);
}

/// A future of the first of two callbacks: `hook` installs `resolve` and `reject` as the
/// handlers of the events that end the operation.
async fn settle(hook: impl FnOnce(&Function, &Function)) -> Result<JsValue, JsValue> {
    let mut hook = Some(hook);
    let promise = Promise::new(&mut |resolve, reject| {
        if let Some(h) = hook.take() {
            h(&resolve, &reject);
        }
    });
    JsFuture::from(promise).await
}

/// The `error` (a DOMException) an IndexedDB request or transaction ended with.
fn error_of(target: &JsValue) -> String {
    match Reflect::get(target, &"error".into()) {
        Ok(e) if !e.is_null() && !e.is_undefined() => js_error(&e),
        _ => "the operation was aborted".into(),
    }
}
