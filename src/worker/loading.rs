//! Start-up: the URL's settings, the backend, the dataset download, and Retry after a failed
//! download.

use burn::prelude::Device;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen_futures::spawn_local;

use super::backend::{self, Chosen};
use super::fetch::fetch_dataset;
use super::send::{phase, send, warning};
use super::wait::{Signal, yield_now};
use super::{indexing, run};
use crate::dataset::FashionMnist;
use crate::protocol::{FromWorker, Phase};
use crate::settings::{SettingError, Settings};

enum Dataset {
    /// Not asked for yet, or the last attempt failed (Retry offered).
    Absent,
    Loading,
    Ready(Rc<FashionMnist>),
}

struct Start {
    /// Chosen first thing at start; `None` until then.
    backend: Option<Chosen>,
    dataset: Dataset,
    /// The page's settings and query, kept so that Retry can load the dataset again.
    settings: Option<(Settings, String)>,
}

thread_local! {
    static START: RefCell<Start> =
        const { RefCell::new(Start { backend: None, dataset: Dataset::Absent, settings: None }) };
    /// Fired once the backend is chosen.
    static BACKEND_SETTLED: Rc<Signal> = Rc::new(Signal::new());
}

/// The dataset, once it is in.
pub fn dataset() -> Option<Rc<FashionMnist>> {
    START.with(|s| match &s.borrow().dataset {
        Dataset::Ready(data) => Some(data.clone()),
        _ => None,
    })
}

pub fn chosen() -> Option<Chosen> {
    START.with(|s| s.borrow().backend.clone())
}

pub fn device() -> Option<Device> {
    chosen().map(|c| c.device)
}

/// The device once the backend is chosen (the first thing at start).
pub async fn settled_device() -> Device {
    let settled = BACKEND_SETTLED.with(Rc::clone);
    settled.wait().await;
    device().expect("the backend is set before the signal fires")
}

fn set_backend(chosen: Chosen) {
    START.with(|s| s.borrow_mut().backend = Some(chosen));
    BACKEND_SETTLED.with(|b| b.fire());
}

/// `ToWorker::Init`: chooses the backend, loads the dataset, trains if `autostart`.
pub fn init(query: String) {
    let (settings, refused) = Settings::from_query_lenient(&query);
    if let Some(message) = SettingError::all_ignored(&refused) {
        warning(message);
    }
    START.with(|s| s.borrow_mut().settings = Some((settings.clone(), query.clone())));
    spawn_local(start(settings, query));
}

/// `ToWorker::Samples`: a page of one class's training images, once the dataset is in.
pub fn samples(class: u8, page: u32) {
    if let Some(data) = dataset() {
        send(FromWorker::Samples(Box::new(crate::explore::samples(&data.train, class, page as usize))));
    }
}

/// `ToWorker::Retry`: loads the dataset again after a failed attempt; files that arrived
/// whole are not downloaded again.
pub fn retry() {
    if let Some((settings, query)) = START.with(|s| s.borrow().settings.clone()) {
        spawn_local(start(settings, query));
    }
}

/// Loads the dataset (unless it is in or on its way), then trains if `autostart` asks for it.
/// A failed download or a file that does not parse offers Retry: the server may come back, or
/// the files be put right.
async fn start(settings: Settings, query: String) {
    let go = START.with(|s| {
        let mut s = s.borrow_mut();
        let go = matches!(s.dataset, Dataset::Absent);
        if go {
            s.dataset = Dataset::Loading;
        }
        go
    });
    if !go {
        return;
    }
    let loaded = load(&settings).await;
    let ok = loaded.is_ok();
    START.with(|s| s.borrow_mut().dataset = loaded.map_or(Dataset::Absent, Dataset::Ready));
    if !ok {
        return;
    }
    phase(Phase::Ready, "Dataset loaded. Draw something on the pad, or train your own model (Train, below).");
    indexing::spawn();
    if settings.autostart {
        run::run_training(settings, query).await;
    }
}

async fn choose_backend(settings: &Settings) {
    if chosen().is_some() {
        return;
    }
    phase(Phase::Loading, "Choosing a backend");
    let chosen = backend::choose(settings.backend).await;
    if let Some(w) = &chosen.warning {
        warning(w.clone());
    }
    send(FromWorker::Backend { kind: chosen.kind, label: chosen.label.clone() });
    set_backend(chosen);
}

/// The dataset, or the error (already sent to the page, with Retry offered).
async fn load(settings: &Settings) -> Result<Rc<FashionMnist>, ()> {
    choose_backend(settings).await;
    let loaded = download(settings).await;
    loaded.map_err(|message| send(FromWorker::Error { message, panic: false, retry: true }))
}

async fn download(settings: &Settings) -> Result<Rc<FashionMnist>, String> {
    phase(Phase::Loading, format!("Downloading Fashion-MNIST from {}", settings.data_url));
    let mut last_sent = 0.0;
    let files = fetch_dataset(&settings.data_url, |loaded, total| {
        let fraction = loaded as f64 / total as f64;
        if fraction - last_sent >= 0.01 || loaded == total {
            last_sent = fraction;
            send(FromWorker::Download { loaded: loaded as f64, total: total as f64 });
        }
    })
    .await?;
    phase(Phase::Loading, "Decompressing and checking the files");
    yield_now().await;
    let data = FashionMnist::from_gz_files([&files[0], &files[1], &files[2], &files[3]])
        .map_err(|e| format!("The dataset is not usable: {e}"))?;
    send(FromWorker::Dataset { train: data.train.len() as u32, test: data.test.len() as u32 });
    send(FromWorker::DatasetView(Box::new(crate::explore::view(&data.train, &data.test))));
    Ok(Rc::new(data))
}
