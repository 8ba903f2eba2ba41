//! The worker's state and its message loop: load the dataset, train, evaluate, report.

use burn::prelude::Device;
use js_sys::{Array, Float64Array, Promise, Reflect, Uint8Array};
use rand::SeedableRng;
use rand::rngs::SmallRng;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::MessageEvent;
use web_time::Instant;

use super::backend::{self, Chosen};
use super::classify::classify;
use super::evaluate;
use super::fetch::fetch_dataset;
use super::messages::{error, field_str, num, phase, post, scope, warning};
use crate::batch::{Batch, epoch_batches};
use crate::dataset::FashionMnist;
use crate::model::Model;
use crate::model_file::{ModelFile, ModelInfo, read_weights};
use crate::neighbours::FeatureIndex;
use crate::settings::Settings;
use crate::svm::SvmClassifier;
use crate::train::{StatsRead, Trainer, infer_split, learning_rate};

#[derive(Default)]
struct Session {
    data: Option<Rc<FashionMnist>>,
    backend: Option<Chosen>,
    /// The last trained model, kept when training stops early.
    model: Option<Model>,
    /// The SVM fitted on that model's features, when the fit ran to the end.
    svm: Option<Rc<SvmClassifier>>,
    /// That model's features of the training images, for the similarity search.
    neighbours: Option<Rc<FeatureIndex>>,
    /// What the model is and where it came from (`pretrained`, `saved`, `file`, `trained`).
    info: Option<(ModelInfo, String)>,
    /// Bumped whenever the model is replaced, so background work on the old one knows to stop
    /// and cached reads of it are dropped.
    generation: u64,
    /// The training images' features are being extracted for a loaded model's search index.
    indexing: bool,
    /// The URL's settings were refused: no backend will be chosen.
    failed: bool,
    /// The page's settings, kept so that Retry can load the dataset again.
    start: Option<(Settings, String)>,
    /// The dataset is being downloaded (a second Retry waits for this attempt).
    loading: bool,
    running: bool,
}

/// What the sketch pad needs to classify: the current model and what was fitted on it.
#[derive(Clone)]
pub(super) struct Loaded {
    pub model: Model,
    pub device: Device,
    pub svm: Option<Rc<SvmClassifier>>,
    pub neighbours: Option<Rc<FeatureIndex>>,
    /// Absent while the dataset downloads: a loaded model classifies without it.
    pub data: Option<Rc<FashionMnist>>,
    /// Which model this is: changes whenever the model is replaced.
    pub generation: u64,
}

/// The model to classify sketches with, if one has been trained or loaded; a run in progress
/// does not replace it until its own model is trained.
fn loaded() -> Option<Loaded> {
    SESSION.with(|s| {
        let s = s.borrow();
        Some(Loaded {
            model: s.model.clone()?,
            device: s.backend.as_ref()?.device.clone(),
            svm: s.svm.clone(),
            neighbours: s.neighbours.clone(),
            data: s.data.clone(),
            generation: s.generation,
        })
    })
}

/// Images per batch of the background indexing pass: small, so a drawing waits at most one
/// such batch (tens of ms on the CPU) for its answer.
const INDEX_BATCH: usize = 100;

/// Batches left out of the warm throughput.
const WARM_UP: usize = 5;

/// A training loss above this stops the run as diverged.
const DIVERGED_LOSS: f32 = 1e4;

/// How often a run in progress sends the page a copy of its model: if the GPU is lost or the
/// worker dies, the page restarts it with this copy, so at most this much training is lost.
const CHECKPOINT_EVERY_SECONDS: f64 = 10.0;

thread_local! {
    static SESSION: RefCell<Session> = RefCell::new(Session::default());
    static STOP: Cell<bool> = const { Cell::new(false) };
}

/// Whether Stop was pressed during the current run.
pub(super) fn stop_requested() -> bool {
    STOP.with(Cell::get)
}

/// Lets the worker's event loop run, so a Stop message is seen between batches.
pub(super) async fn yield_now() {
    let promise = Promise::new(&mut |resolve, _| {
        let _ = scope().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
    });
    let _ = JsFuture::from(promise).await;
}

/// Awaits `fut` unless Stop is pressed first (checked every 50 ms); `None` when stopped, and
/// `fut` is left to be finished by the caller. A WebGPU batch on a slow adapter can take
/// seconds, and the user should not wait for it to see Stop take effect; but the read must
/// still complete before the device is used again (wgpu refuses a submit while its staging
/// buffer is mapped), so it is not dropped.
async fn unless_stopped<F: Future + Unpin>(fut: &mut F) -> Option<F::Output> {
    std::future::poll_fn(|cx| {
        if let Poll::Ready(v) = Pin::new(&mut *fut).poll(cx) {
            return Poll::Ready(Some(v));
        }
        if STOP.with(Cell::get) {
            return Poll::Ready(None);
        }
        let waker = cx.waker().clone();
        let wake = Closure::once_into_js(move || waker.wake());
        let _ = scope().set_timeout_with_callback_and_timeout_and_arguments_0(wake.unchecked_ref(), 50);
        Poll::Pending
    })
    .await
}

pub fn listen() {
    let handler = Closure::<dyn FnMut(MessageEvent)>::new(|event: MessageEvent| {
        let msg = event.data();
        match field_str(&msg, "type").as_deref() {
            Some("init") => init(field_str(&msg, "query").unwrap_or_default()),
            Some("train") => start_training(field_str(&msg, "query").unwrap_or_default()),
            Some("stop") => STOP.with(|s| s.set(true)),
            Some("classify") => classify(msg, loaded()),
            Some("load-model") => load_model(&msg),
            Some("save-model") => spawn_local(save_model(field_str(&msg, "purpose").unwrap_or_default())),
            Some("retry") => retry(),
            // Fault injection for the tests (and for anyone checking how the page recovers).
            Some("fault") if field_str(&msg, "kind").as_deref() == Some("panic") => {
                panic!("fault injected on request (kind=panic)")
            }
            // Handled by web/worker.js.
            Some("fault" | "memory") => {}
            other => warning(&format!("worker got an unknown message {other:?}")),
        }
    });
    scope().set_onmessage(Some(handler.as_ref().unchecked_ref()));
    handler.forget();
    post("alive", &[]);
}

fn init(query: String) {
    let settings = match Settings::from_query(&query) {
        Ok(s) => s,
        Err(e) => {
            SESSION.with(|s| s.borrow_mut().failed = true);
            return error(&format!("Bad URL parameter: {e}"));
        }
    };
    let t = &settings.train;
    let limit = |l: Option<usize>| l.map_or(JsValue::NULL, |n| num(n as f64));
    post(
        "settings",
        &[
            ("arch", t.arch.name().into()),
            ("epochs", num(t.epochs as f64)),
            ("batch", num(t.batch_size as f64)),
            ("lr", num(t.lr)),
            ("augment", t.augment.into()),
            ("sketchAug", num(t.sketch_aug)),
            ("trainLimit", limit(t.train_limit)),
            ("testLimit", limit(t.test_limit)),
            ("svmKernel", settings.svm.kernel.name().into()),
            ("svmDim", num(settings.svm.kernel.rbf_params().0 as f64)),
            ("svmGamma", num(settings.svm.kernel.rbf_params().1)),
            ("svmLambda", settings.svm.lambda.map_or(JsValue::NULL, num)),
            ("archs", crate::model::Arch::ALL.iter().map(|a| JsValue::from(a.name())).collect::<Array>().into()),
        ],
    );
    SESSION.with(|s| s.borrow_mut().start = Some((settings.clone(), query.clone())));
    spawn_local(start(settings, query));
}

/// Loads the dataset, then trains if `autostart` asks for it. A failed download or a file
/// that does not parse offers Retry: the server may come back, or the files be put right.
async fn start(settings: Settings, query: String) {
    let go = SESSION.with(|s| {
        let mut s = s.borrow_mut();
        let go = !s.loading && s.data.is_none();
        s.loading |= go;
        go
    });
    if !go {
        return;
    }
    let loaded = load(&settings).await;
    SESSION.with(|s| s.borrow_mut().loading = false);
    if let Err(e) = loaded {
        post("error", &[("message", e.into()), ("retry", true.into())]);
        return;
    }
    phase("ready", "Dataset loaded. Press Train to start.");
    spawn_local(index_training_images());
    if settings.autostart {
        run_training(settings, query).await;
    }
}

/// `{type: "retry"}`: loads the dataset again after a failed attempt; files that arrived whole
/// are not downloaded again.
fn retry() {
    if let Some((settings, query)) = SESSION.with(|s| s.borrow().start.clone()) {
        spawn_local(start(settings, query));
    }
}

async fn load(settings: &Settings) -> Result<(), String> {
    if SESSION.with(|s| s.borrow().backend.is_none()) {
        phase("loading", "Choosing a backend");
        let chosen = backend::choose(settings.backend).await;
        if let Some(w) = &chosen.warning {
            warning(w);
        }
        post("backend", &[("backend", chosen.kind.into()), ("label", chosen.label.as_str().into())]);
        SESSION.with(|s| s.borrow_mut().backend = Some(chosen));
    }

    phase("loading", &format!("Downloading Fashion-MNIST from {}", settings.data_url));
    let mut last_post = 0.0;
    let files = fetch_dataset(&settings.data_url, |loaded, total| {
        let frac = loaded as f64 / total as f64;
        if frac - last_post >= 0.01 || loaded == total {
            last_post = frac;
            post("download", &[("loaded", num(loaded as f64)), ("total", num(total as f64))]);
        }
    })
    .await?;
    phase("loading", "Decompressing and checking the files");
    yield_now().await;
    let data = FashionMnist::from_gz_files([&files[0], &files[1], &files[2], &files[3]])
        .map_err(|e| format!("The dataset is not usable: {e}"))?;
    post(
        "dataset",
        &[("train", num(data.train.len() as f64)), ("test", num(data.test.len() as f64))],
    );
    SESSION.with(|s| s.borrow_mut().data = Some(Rc::new(data)));
    Ok(())
}

fn start_training(query: String) {
    let settings = match Settings::from_query(&query) {
        Ok(s) => s,
        Err(e) => return warning(&format!("Settings not accepted: {e}")),
    };
    spawn_local(run_training(settings, query));
}

/// Runs one training session; a second request while one runs is ignored (rapid clicks).
async fn run_training(settings: Settings, query: String) {
    let ready = SESSION.with(|s| {
        let mut s = s.borrow_mut();
        if s.running || s.data.is_none() {
            return None;
        }
        s.running = true;
        Some((s.data.clone().unwrap(), s.backend.clone().unwrap()))
    });
    let Some((data, chosen)) = ready else { return };
    STOP.with(|s| s.set(false));
    // The search index of a loaded model sees `running` and stops after its batch; the device
    // is not shared between the two.
    while SESSION.with(|s| s.borrow().indexing) {
        yield_now().await;
    }
    let result = train_and_evaluate(&settings, &query, &data, &chosen.device).await;
    SESSION.with(|s| s.borrow_mut().running = false);
    match result {
        Ok(()) => phase("done", "Finished."),
        Err(e) => error(&e),
    }
}

async fn train_and_evaluate(all: &Settings, query: &str, data: &FashionMnist, device: &Device) -> Result<(), String> {
    let (settings, svm) = (&all.train, &all.svm);
    let n_train = settings.train_limit.unwrap_or(usize::MAX).min(data.train.len());
    let batches_per_epoch = n_train.div_ceil(settings.batch_size);
    let total_batches = batches_per_epoch * settings.epochs;
    phase("training", &format!("Training {} on {n_train} images", settings.arch));
    post(
        "train-start",
        &[
            ("arch", settings.arch.name().into()),
            ("epochs", num(settings.epochs as f64)),
            ("batches", num(total_batches as f64)),
            ("batchesPerEpoch", num(batches_per_epoch as f64)),
        ],
    );

    let mut trainer = Trainer::new(settings.arch, device, settings.lr, settings.seed)
        .with_regularization(settings.smoothing, settings.weight_decay);
    let mut rng = SmallRng::seed_from_u64(settings.seed);
    let started = Instant::now();
    let mut last_yield = Instant::now();
    let mut last_post = Instant::now();
    let (mut images_done, mut step) = (0usize, 0usize);
    // Throughput after the first batches (shader compilation, allocator warm-up), as the
    // TF.js benchmark measures it: (time, images) when WARM_UP batches were done.
    let mut warm: Option<(Instant, usize)> = None;
    let mut pending = Vec::<f64>::new(); // flat [step, loss, acc] triples not yet posted
    let mut stopped = false;
    let mut last_checkpoint = Instant::now();
    let made_here = ModelInfo { settings: training_settings(query), made_by: "page".into(), ..ModelInfo::default() };

    // One step in flight (`begin_read`): step k+1 is queued before step k's results are
    // awaited, so the GPU is not idle while the worker handles k's numbers and builds k+2.
    let mut in_flight: Option<StatsRead> = None;
    let (mut queued, mut queued_images) = (0usize, 0usize);

    'epochs: for epoch in 0..settings.epochs {
        let (mut loss_sum, mut correct, mut seen) = (0.0f64, 0usize, 0usize);
        // The `None` at the end drains the step in flight before the epoch's summary.
        for indices in epoch_batches(n_train, settings.batch_size, &mut rng).into_iter().map(Some).chain([None]) {
            let stop_now = STOP.with(Cell::get);
            let next = match indices {
                Some(indices) if !stop_now => {
                    trainer.lr = learning_rate(settings.lr, settings.lr_decay, settings.warmup, queued, total_batches);
                    let batch = Batch::gather_augmented(&data.train, &indices, &settings.augmentation(), &mut rng);
                    let read = trainer.step(&batch).begin_read();
                    queued += 1;
                    queued_images += batch.len();
                    Some(read)
                }
                _ => None,
            };
            let Some(mut read) = std::mem::replace(&mut in_flight, next) else {
                if stop_now {
                    stopped = true;
                    break 'epochs;
                }
                continue;
            };
            let result = match unless_stopped(&mut read).await {
                Some(result) => result,
                // Stop arrived mid-batch: say so at once, let the batch finish and count it;
                // the check at the top of the loop then ends training.
                None => {
                    phase("evaluating", "Stopping: letting the batch in flight finish");
                    read.await
                }
            };
            // A cross-entropy over ten classes above 1e4 means the weights have blown up
            // (the stable log-softmax keeps it finite long after): stop as for NaN.
            let checked = result.and_then(|stats| {
                if stats.loss.is_finite() && stats.loss <= DIVERGED_LOSS {
                    return Ok(stats);
                }
                Err(format!(
                    "Training stopped: the loss became {} at epoch {}, batch {}, so training has diverged. The \
                     learning rate ({}) is probably too large: try one ten times smaller. {}",
                    if stats.loss.is_finite() { format!("{:.3e}", stats.loss) } else { stats.loss.to_string() },
                    epoch + 1,
                    step % batches_per_epoch + 1,
                    settings.lr,
                    if SESSION.with(|s| s.borrow().model.is_some()) { "The previous model is kept." } else { "" }
                ))
            });
            let stats = match checked {
                Ok(stats) => stats,
                Err(message) => {
                    // A read dropped unfinished leaves its staging buffer mapped, and wgpu then
                    // refuses the next submit that copies into it: finish the one in flight.
                    if let Some(next) = in_flight.take() {
                        let _ = next.await;
                    }
                    return Err(message);
                }
            };
            step += 1;
            images_done += stats.size;
            if step == WARM_UP {
                warm = Some((Instant::now(), images_done));
            }
            loss_sum += stats.loss as f64 * stats.size as f64;
            correct += stats.correct;
            seen += stats.size;
            pending.extend([step as f64, stats.loss as f64, stats.correct as f64 / stats.size as f64]);

            let elapsed = started.elapsed().as_secs_f64();
            if last_post.elapsed().as_millis() >= 100 || step == total_batches {
                last_post = Instant::now();
                let ips = images_done as f64 / elapsed.max(1e-9);
                let remaining = (total_batches - step) as f64 * settings.batch_size as f64;
                post(
                    "batch",
                    &[
                        ("epoch", num((epoch + 1) as f64)),
                        ("step", num(step as f64)),
                        ("points", Float64Array::from(&pending[..]).into()),
                        ("imagesPerSecond", num(ips)),
                        ("elapsed", num(elapsed)),
                        ("eta", num(remaining / ips.max(1e-9))),
                    ],
                );
                pending.clear();
            }
            // The model includes the step in flight, so the checkpoint counts it.
            if last_checkpoint.elapsed().as_secs_f64() >= CHECKPOINT_EVERY_SECONDS && queued < total_batches {
                let info = ModelInfo { trained_images: queued_images, ..made_here.clone() };
                checkpoint(&trainer.inference_model(), info, queued, total_batches).await;
                last_checkpoint = Instant::now();
            }
            if last_yield.elapsed().as_millis() >= 30 {
                yield_now().await;
                last_yield = Instant::now();
            }
        }
        post(
            "epoch",
            &[
                ("epoch", num((epoch + 1) as f64)),
                ("step", num(step as f64)),
                ("loss", num(loss_sum / seen.max(1) as f64)),
                ("accuracy", num(correct as f64 / seen.max(1) as f64)),
            ],
        );
    }
    let train_seconds = started.elapsed().as_secs_f64();
    let images_per_second = images_done as f64 / train_seconds.max(1e-9);
    let warm_images_per_second = warm
        .filter(|&(_, n)| images_done > n)
        .map_or(JsValue::NULL, |(t, n)| num((images_done - n) as f64 / t.elapsed().as_secs_f64().max(1e-9)));
    if step == 0 {
        post("stopped", &[("message", "Stopped before the first batch: nothing was trained.".into())]);
        return Ok(());
    }
    if stopped {
        post("stopped", &[("message", format!("Stopped after {step} batches; the model trained so far is kept.").into())]);
    }
    let model = trainer.inference_model();
    let mut info = ModelInfo { trained_images: images_done, ..made_here };
    // The trained CNN is safe with the page before the evaluation and the SVM fit (a minute or
    // more on big runs), in case the worker does not live to store the finished model.
    checkpoint(&model, info.clone(), step, total_batches).await;
    SESSION.with(|s| {
        let mut s = s.borrow_mut();
        s.model = Some(model.clone());
        // Fitted on the previous model's features: meaningless for this one.
        s.svm = None;
        s.neighbours = None;
        s.info = Some((info.clone(), "trained".into()));
        s.generation += 1;
    });
    post_model_ready();
    post(
        "trained",
        &[
            ("imagesPerSecond", num(images_per_second)),
            ("warmImagesPerSecond", warm_images_per_second),
            ("trainSeconds", num(train_seconds)),
            ("trainImages", num(images_done as f64)),
            ("arch", settings.arch.name().into()),
        ],
    );
    let n_test = settings.test_limit.unwrap_or(usize::MAX).min(data.test.len());
    // A Stop that ended training has been honoured; a new one cuts the SVM fit short.
    STOP.with(|s| s.set(false));
    let on_neighbours = |index: FeatureIndex| SESSION.with(|s| s.borrow_mut().neighbours = Some(Rc::new(index)));
    let evaluation =
        evaluate::evaluate(&model, (&data.train, n_train), (&data.test, n_test), device, svm, on_neighbours).await?;
    info.cnn_accuracy = evaluation.cnn_accuracy;
    info.svm_accuracy = evaluation.svm.as_ref().map(|e| e.1);
    info.test_images = if info.cnn_accuracy.is_some() { n_test } else { 0 };
    SESSION.with(|s| {
        let mut s = s.borrow_mut();
        s.svm = evaluation.svm.map(|e| Rc::new(e.0));
        s.info = Some((info, "trained".into()));
    });
    post_model_ready();
    // Kept for the next visit: the page stores it in IndexedDB.
    save_model("store".into()).await;
    Ok(())
}

/// The parameters of `query` that shape the model, as recorded with it (not `backend`,
/// `autostart`, `model` or `data`).
fn training_settings(query: &str) -> String {
    let skip = ["backend", "autostart", "model", "data"];
    let kept: Vec<&str> = query
        .trim_start_matches('?')
        .split('&')
        .filter(|kv| !kv.is_empty() && !skip.contains(&kv.split('=').next().unwrap_or("")))
        .collect();
    kept.join("&")
}

/// Tells the page which model the sketch pad now uses, and what it is.
fn post_model_ready() {
    let fields = SESSION.with(|s| {
        let s = s.borrow();
        let (model, (info, source)) = (s.model.as_ref()?, s.info.as_ref()?);
        let opt = |a: Option<f64>| a.map_or(JsValue::NULL, num);
        Some(vec![
            ("arch", model.arch().name().into()),
            ("svm", s.svm.is_some().into()),
            ("neighbours", s.neighbours.is_some().into()),
            ("source", source.as_str().into()),
            ("settings", info.settings.as_str().into()),
            ("madeBy", info.made_by.as_str().into()),
            ("cnnAccuracy", opt(info.cnn_accuracy)),
            ("svmAccuracy", opt(info.svm_accuracy)),
            ("testImages", num(info.test_images as f64)),
            ("trainedImages", num(info.trained_images as f64)),
        ])
    });
    if let Some(fields) = fields {
        post("model-ready", &fields);
    }
}

/// `{type: "load-model", bytes, source, name}`: replaces the current model with the file's,
/// unless the file is refused (then the current model stays, and the page says why). A run in
/// progress goes on: the pad uses the loaded model until the run's own model is trained.
fn load_model(msg: &JsValue) {
    let source = field_str(msg, "source").unwrap_or_else(|| "file".into());
    let name = field_str(msg, "name").unwrap_or_else(|| "the model file".into());
    let bytes = Reflect::get(msg, &"bytes".into()).ok().filter(|b| !b.is_undefined() && !b.is_null());
    let bytes = bytes.map(|b| Uint8Array::new(&b).to_vec()).unwrap_or_default();
    spawn_local(async move {
        let refuse = |why: String| {
            post("model-error", &[("source", source.as_str().into()), ("message", format!("Could not load {name}: {why}. The current model is kept.").into())])
        };
        // The backend is chosen first thing at start; a model sent with the page waits for it
        // (unless the page's settings were refused: that error is already shown).
        while SESSION.with(|s| s.borrow().backend.is_none()) {
            if SESSION.with(|s| s.borrow().failed) {
                return;
            }
            yield_now().await;
        }
        let device = SESSION.with(|s| s.borrow().backend.as_ref().unwrap().device.clone());
        let file = match ModelFile::decode(&bytes) {
            Ok(f) => f,
            Err(e) => return refuse(e.to_string()),
        };
        let model = match file.weights.build(&device) {
            Ok(m) => m,
            Err(e) => return refuse(e.to_string()),
        };
        SESSION.with(|s| {
            let mut s = s.borrow_mut();
            s.model = Some(model);
            s.svm = file.svm.map(Rc::new);
            s.neighbours = None;
            s.info = Some((file.info, source.clone()));
            s.generation += 1;
        });
        post_model_ready();
        index_training_images().await;
    });
}

/// Sends the page the model trained so far, `{type: "checkpoint", step, batches, bytes}`. The
/// page keeps only the latest; it restores it if the worker has to be restarted.
async fn checkpoint(model: &Model, info: ModelInfo, step: usize, batches: usize) {
    match read_weights(model).await {
        Ok(weights) => {
            let bytes = ModelFile { info, weights, svm: None }.encode();
            post(
                "checkpoint",
                &[
                    ("step", num(step as f64)),
                    ("batches", num(batches as f64)),
                    ("bytes", Uint8Array::from(&bytes[..]).into()),
                ],
            );
        }
        // Not fatal: the run goes on, only without this safety copy.
        Err(e) => web_sys::console::warn_1(&format!("checkpoint skipped: {e}").into()),
    }
}

/// Posts the current model as a file: `purpose` is `download` (the user asked) or `store`
/// (kept in IndexedDB for the next visit).
async fn save_model(purpose: String) {
    let current = SESSION.with(|s| {
        let s = s.borrow();
        Some((s.model.clone()?, s.svm.clone(), s.info.clone()?.0))
    });
    let Some((model, svm, info)) = current else {
        return post("model-error", &[("message", "There is no model to save yet: train one or load one first.".into())]);
    };
    match read_weights(&model).await {
        Ok(weights) => {
            let file = ModelFile { info, weights, svm: svm.map(|s| (*s).clone()) };
            let bytes = file.encode();
            post(
                "model-file",
                &[
                    ("purpose", purpose.as_str().into()),
                    ("arch", model.arch().name().into()),
                    ("bytes", Uint8Array::from(&bytes[..]).into()),
                ],
            );
        }
        Err(e) => post("model-error", &[("message", format!("Could not save the model: {e}").into())]),
    }
}

/// The similarity search needs the current model's features of the 60,000 training images. A
/// model trained here has them from the SVM fit; a loaded one gets them here, in the
/// background, once both it and the dataset are in. Gives way to a training run or a newer
/// model.
async fn index_training_images() {
    let job = SESSION.with(|s| {
        let mut s = s.borrow_mut();
        if s.indexing || s.running || s.neighbours.is_some() {
            return None;
        }
        let job = (s.model.clone()?, s.data.clone()?, s.backend.as_ref()?.device.clone(), s.generation);
        s.indexing = true;
        Some(job)
    });
    let Some((model, data, device, generation)) = job else { return };
    let current = move || SESSION.with(|s| s.borrow().generation == generation && !s.borrow().running);
    let n = data.train.len();
    let result = infer_split(&model, &data.train, n, &device, INDEX_BATCH, |_| async move {
        yield_now().await;
        if current() { std::ops::ControlFlow::Continue(()) } else { std::ops::ControlFlow::Break(()) }
    })
    .await;
    let done = matches!(&result, Ok(r) if r.predictions.len() == n) && current();
    SESSION.with(|s| {
        let mut s = s.borrow_mut();
        s.indexing = false;
        if done && let Ok(r) = result {
            s.neighbours = Some(Rc::new(FeatureIndex::new(&r.features, r.feature_dim)));
        }
    });
    if done {
        post_model_ready();
    }
}
