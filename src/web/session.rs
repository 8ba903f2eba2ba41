//! The worker's state and its message loop: load the dataset, train, evaluate, report.

use burn::prelude::Device;
use js_sys::{Array, Float64Array, Promise};
use rand::SeedableRng;
use rand::rngs::SmallRng;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
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
use crate::neighbours::FeatureIndex;
use crate::settings::Settings;
use crate::svm::SvmClassifier;
use crate::train::{Trainer, learning_rate};

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
    running: bool,
}

/// What the sketch pad needs to classify: the current model and what was fitted on it.
#[derive(Clone)]
pub(super) struct Loaded {
    pub model: Model,
    pub device: Device,
    pub svm: Option<Rc<SvmClassifier>>,
    pub neighbours: Option<Rc<FeatureIndex>>,
    pub data: Rc<FashionMnist>,
}

/// The model to classify sketches with, if one has been trained; a run in progress does not
/// replace it until its own model is trained.
fn loaded() -> Option<Loaded> {
    SESSION.with(|s| {
        let s = s.borrow();
        Some(Loaded {
            model: s.model.clone()?,
            device: s.backend.as_ref()?.device.clone(),
            svm: s.svm.clone(),
            neighbours: s.neighbours.clone(),
            data: s.data.clone()?,
        })
    })
}

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
async fn unless_stopped<F: std::future::Future + Unpin>(fut: &mut F) -> Option<F::Output> {
    use std::task::Poll;
    std::future::poll_fn(|cx| {
        if let Poll::Ready(v) = std::pin::Pin::new(&mut *fut).poll(cx) {
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
        Err(e) => return error(&format!("Bad URL parameter: {e}")),
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
    spawn_local(async move {
        if let Err(e) = load(&settings).await {
            error(&e);
            return;
        }
        phase("ready", "Dataset loaded. Press Train to start.");
        if settings.autostart {
            run_training(settings).await;
        }
    });
}

async fn load(settings: &Settings) -> Result<(), String> {
    phase("loading", "Choosing a backend");
    let chosen = backend::choose(settings.backend).await;
    if let Some(w) = &chosen.warning {
        warning(w);
    }
    post("backend", &[("backend", chosen.kind.into()), ("label", chosen.label.as_str().into())]);
    SESSION.with(|s| s.borrow_mut().backend = Some(chosen));

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
    spawn_local(run_training(settings));
}

/// Runs one training session; a second request while one runs is ignored (rapid clicks).
async fn run_training(settings: Settings) {
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
    let result = train_and_evaluate(&settings, &data, &chosen.device).await;
    SESSION.with(|s| s.borrow_mut().running = false);
    match result {
        Ok(()) => phase("done", "Finished."),
        Err(e) => error(&e),
    }
}

async fn train_and_evaluate(all: &Settings, data: &FashionMnist, device: &Device) -> Result<(), String> {
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

    let mut trainer = Trainer::new(settings.arch, device, settings.lr, settings.seed);
    let mut rng = SmallRng::seed_from_u64(settings.seed);
    let started = Instant::now();
    let mut last_yield = Instant::now();
    let mut last_post = Instant::now();
    let (mut images_done, mut step) = (0usize, 0usize);
    let mut pending = Vec::<f64>::new(); // flat [step, loss, acc] triples not yet posted
    let mut stopped = false;

    'epochs: for epoch in 0..settings.epochs {
        let (mut loss_sum, mut correct, mut seen) = (0.0f64, 0usize, 0usize);
        for indices in epoch_batches(n_train, settings.batch_size, &mut rng) {
            if STOP.with(Cell::get) {
                stopped = true;
                break 'epochs;
            }
            trainer.lr = learning_rate(settings.lr, settings.lr_decay, step, total_batches);
            let batch = Batch::gather_augmented(&data.train, &indices, &settings.augmentation(), &mut rng);
            let mut read = Box::pin(trainer.step(&batch).read());
            let stats = match unless_stopped(&mut read).await {
                Some(stats) => stats?,
                // Stop arrived mid-batch: say so at once, let the batch finish and count it;
                // the check at the top of the loop then ends training.
                None => {
                    phase("evaluating", "Stopping: letting the batch in flight finish");
                    read.await?
                }
            };
            if !stats.loss.is_finite() {
                return Err(format!(
                    "Training stopped: the loss became {} at epoch {}, batch {}. The learning rate ({}) is \
                     probably too large: try one ten times smaller.",
                    stats.loss,
                    epoch + 1,
                    step % batches_per_epoch + 1,
                    settings.lr
                ));
            }
            step += 1;
            images_done += stats.size;
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
    if step == 0 {
        post("stopped", &[("message", "Stopped before the first batch: nothing was trained.".into())]);
        return Ok(());
    }
    if stopped {
        post("stopped", &[("message", format!("Stopped after {step} batches; the model trained so far is kept.").into())]);
    }
    let model = trainer.inference_model();
    SESSION.with(|s| {
        let mut s = s.borrow_mut();
        s.model = Some(model.clone());
        // Fitted on the previous model's features: meaningless for this one.
        s.svm = None;
        s.neighbours = None;
    });
    post("model-ready", &[("arch", settings.arch.name().into()), ("svm", false.into())]);
    post(
        "trained",
        &[
            ("imagesPerSecond", num(images_per_second)),
            ("trainSeconds", num(train_seconds)),
            ("trainImages", num(images_done as f64)),
            ("arch", settings.arch.name().into()),
        ],
    );
    let n_test = settings.test_limit.unwrap_or(usize::MAX).min(data.test.len());
    // A Stop that ended training has been honoured; a new one cuts the SVM fit short.
    STOP.with(|s| s.set(false));
    let on_neighbours = |index: FeatureIndex| SESSION.with(|s| s.borrow_mut().neighbours = Some(Rc::new(index)));
    let classifier =
        evaluate::evaluate(&model, (&data.train, n_train), (&data.test, n_test), device, svm, on_neighbours).await?;
    let fitted = classifier.is_some();
    SESSION.with(|s| s.borrow_mut().svm = classifier.map(Rc::new));
    post("model-ready", &[("arch", settings.arch.name().into()), ("svm", fitted.into())]);
    Ok(())
}
