//! The training worker's helpers for a data-parallel CPU run: Web Workers running this same
//! program as [`super::helper`]s, started on the first run that asks for them and kept for the
//! next. No SharedArrayBuffer (so no cross-origin isolation, any static host works): shards go
//! out and gradients come back as typed arrays moved with a transfer list
//! ([`crate::protocol::helper`]). A helper that fails, dies or falls silent is dropped: the
//! step is finished without it ([`crate::train::replicas`]) and the run goes on with the rest.
//! After training the same helpers share the evaluation's inference passes (the test set's
//! and the training set's features for the SVM, [`crate::train::inference`]).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::ops::Range;
use std::pin::pin;
use std::rc::Rc;
use std::task::{Poll, Waker};
use wasm_bindgen::prelude::*;
use web_sys::{ErrorEvent, MessageEvent, Worker, WorkerOptions, WorkerType};

use super::send::{send, warning};
use super::wait::sleep;
use crate::arch::Arch;
use crate::batch::Batch;
use crate::protocol::helper::{CpuBackend, FromHelper, ToHelper};
use crate::protocol::{self, Bulk, FromWorker};
use crate::svm::shared::SvmHelpers;
use crate::svm::{Run, SvmOptions};
use crate::train::inference::{BatchOutput, InferenceHelpers};
use crate::train::replicas::{ModelState, Replicas, ShardResult};

/// A helper compiles the worker's wasm (from the browser's cache) before it answers.
const START_TIMEOUT_MS: i32 = 30_000;
/// A shard takes tens of milliseconds; one that takes this long is a helper that hangs.
const SHARD_TIMEOUT_MS: i32 = 60_000;

thread_local! {
    /// Helpers between runs.
    static KEPT: RefCell<Vec<Helper>> = const { RefCell::new(Vec::new()) };
    /// A helper is to panic at the next step (tests).
    static PANIC_NEXT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// What a helper said, or that it is gone.
#[derive(Default)]
struct Inbox {
    messages: RefCell<VecDeque<FromHelper>>,
    lost: RefCell<Option<String>>,
    waker: RefCell<Option<Waker>>,
}

impl Inbox {
    fn wake(&self) {
        if let Some(w) = self.waker.take() {
            w.wake();
        }
    }

    /// The next message, or why there will be none.
    fn next(&self) -> impl Future<Output = Result<FromHelper, String>> + '_ {
        std::future::poll_fn(|cx| {
            if let Some(m) = self.messages.borrow_mut().pop_front() {
                return Poll::Ready(Ok(m));
            }
            if let Some(why) = self.lost.borrow().clone() {
                return Poll::Ready(Err(why));
            }
            *self.waker.borrow_mut() = Some(cx.waker().clone());
            Poll::Pending
        })
    }
}

struct Helper {
    worker: Worker,
    inbox: Rc<Inbox>,
}

impl Helper {
    fn spawn() -> Result<Self, String> {
        let url = format!("{}&helper=1", super::helper::own_url());
        let options = WorkerOptions::new();
        options.set_type(WorkerType::Module);
        let worker = Worker::new_with_options(&url, &options).map_err(|e| format!("{e:?}"))?;
        let inbox = Rc::new(Inbox::default());
        let on_message = {
            let inbox = inbox.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                match protocol::js::from_js::<FromHelper>(&event.data()) {
                    Ok(m) => inbox.messages.borrow_mut().push_back(m),
                    Err(e) => *inbox.lost.borrow_mut() = Some(e.to_string()),
                }
                inbox.wake();
            })
        };
        let on_error = {
            let inbox = inbox.clone();
            Closure::<dyn FnMut(ErrorEvent)>::new(move |event: ErrorEvent| {
                // Not cancelled, a nested worker's error goes on to this worker's global scope
                // and from there to the page, which would take this worker for crashed.
                event.prevent_default();
                inbox.lost.borrow_mut().get_or_insert_with(|| format!("it stopped: {}", event.message()));
                inbox.wake();
            })
        };
        // Handed to JavaScript's garbage collector rather than dropped with the helper: an
        // error event of a helper already let go may still be on its way.
        worker.set_onmessage(Some(&on_message.into_js_value().unchecked_into()));
        worker.set_onerror(Some(&on_error.into_js_value().unchecked_into()));
        Ok(Self { worker, inbox })
    }

    fn post(&self, msg: &ToHelper) {
        let (value, transfer) = protocol::js::to_js(msg);
        if let Err(e) = self.worker.post_message_with_transfer(&value, &transfer) {
            *self.inbox.lost.borrow_mut() = Some(format!("a message could not be posted to it: {e:?}"));
        }
    }

    /// The next message within `ms`, else why not.
    async fn next_within(&self, ms: i32) -> Result<FromHelper, String> {
        let mut next = pin!(self.inbox.next());
        let mut timer = pin!(sleep(ms));
        std::future::poll_fn(|cx| {
            if let Poll::Ready(v) = next.as_mut().poll(cx) {
                return Poll::Ready(v);
            }
            if timer.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Err(format!("it did not answer within {} s", ms / 1000)));
            }
            Poll::Pending
        })
        .await
    }

    /// Waits for `want` (a shard answer from a run cut short may come first).
    async fn wait_for(&self, want: &FromHelper) -> Result<(), String> {
        loop {
            match self.next_within(START_TIMEOUT_MS).await? {
                m if &m == want => return Ok(()),
                FromHelper::Failed { message } => return Err(message),
                _ => {}
            }
        }
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

/// The helpers of one run. Kept for the next run when dropped.
pub struct Pool {
    helpers: Vec<Helper>,
    step: u32,
    /// Helpers with a shard of the current step out.
    sent: usize,
}

impl Pool {
    /// `count` helpers with replicas of `arch` on `backend`, as many as start, and what went
    /// wrong with the others (to be said once the run has started).
    pub async fn start(count: usize, arch: Arch, smoothing: f32, backend: CpuBackend) -> (Self, Option<String>) {
        let mut problems = Vec::new();
        let mut helpers: Vec<(Helper, bool)> = KEPT.take().into_iter().map(|h| (h, true)).collect();
        helpers.truncate(count);
        // Spawned together: each compiles the wasm on its own thread meanwhile.
        while helpers.len() < count {
            match Helper::spawn() {
                Ok(h) => helpers.push((h, false)),
                Err(e) => {
                    problems.push(format!("a CPU helper worker could not be started ({e})"));
                    break;
                }
            }
        }
        let mut started = Vec::with_capacity(helpers.len());
        for (h, alive) in helpers {
            // A new worker drops what is posted before its program listens: wait for `Alive`.
            let ready = async {
                if !alive {
                    h.wait_for(&FromHelper::Alive).await?;
                }
                h.post(&ToHelper::Start { arch, smoothing, backend });
                h.wait_for(&FromHelper::Ready).await
            };
            match ready.await {
                Ok(()) => started.push(h),
                Err(e) => problems.push(format!("a CPU helper worker did not start ({e})")),
            }
        }
        let said = (!problems.is_empty()).then(|| {
            let n = started.len() + 1;
            format!("Training uses {n} worker{} instead of {}: {}.", plural(n), count + 1, problems.join("; "))
        });
        (Self { helpers: started, step: 0, sent: 0 }, said)
    }

    /// Workers sharing the run: the helpers and this one.
    pub fn workers(&self) -> usize {
        self.helpers.len() + 1
    }

    /// Tests: the first helper panics at the next step, with its shard out.
    pub fn panic_one() {
        PANIC_NEXT.set(true);
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        KEPT.set(std::mem::take(&mut self.helpers));
    }
}

impl Replicas for Pool {
    fn count(&self) -> usize {
        self.helpers.len()
    }

    fn send(&mut self, state: &ModelState, shards: &[Batch]) {
        self.step += 1;
        self.sent = shards.len();
        if PANIC_NEXT.take()
            && let Some(h) = self.helpers.first()
        {
            h.post(&ToHelper::Panic);
        }
        for (h, shard) in self.helpers.iter().zip(shards) {
            h.post(&ToHelper::Shard {
                step: self.step,
                parameters: Bulk(state.parameters.clone()),
                stats: Bulk(state.stats.clone()),
                pixels: Bulk(shard.pixels.clone()),
                labels: Bulk(shard.labels.iter().map(|&l| l as u8).collect()),
            });
        }
    }

    async fn collect(&mut self) -> Vec<Option<ShardResult>> {
        let step = self.step;
        self.gather(Work::Training, |m| match m {
            FromHelper::Shard { step: s, loss, correct, size, gradients, stats } if s == step => {
                let (correct, size) = (correct as usize, size as usize);
                Some(ShardResult { loss, correct, size, gradients: gradients.0, stats: stats.0 })
            }
            _ => None,
        })
        .await
    }
}

impl InferenceHelpers for Pool {
    fn helper_count(&self) -> usize {
        self.helpers.len()
    }

    fn load(&mut self, state: &ModelState) {
        for h in &self.helpers {
            h.post(&ToHelper::Load { parameters: Bulk(state.parameters.clone()), stats: Bulk(state.stats.clone()) });
        }
    }

    fn send_batches(&mut self, batches: &[Batch]) {
        self.step += 1;
        self.sent = batches.len();
        for (h, batch) in self.helpers.iter().zip(batches) {
            h.post(&ToHelper::Infer { id: self.step, pixels: Bulk(batch.pixels.clone()) });
        }
    }

    async fn collect_outputs(&mut self) -> Vec<Option<BatchOutput>> {
        let step = self.step;
        self.gather(Work::Inference, |m| match m {
            FromHelper::Output { id, logits, features } if id == step => {
                Some(BatchOutput { logits: logits.0, features: features.0 })
            }
            _ => None,
        })
        .await
    }
}

impl SvmHelpers for Pool {
    fn svm_helper_count(&self) -> usize {
        self.helpers.len()
    }

    fn send_run(&mut self, run: Run, classes: &[Range<usize>]) {
        self.step += 1;
        self.sent = classes.len();
        for (h, c) in self.helpers.iter().zip(classes) {
            h.post(&ToHelper::SvmRun { id: self.step, run, start: c.start as u32, end: c.end as u32 });
        }
    }

    async fn collect_weights(&mut self) -> Vec<Option<Vec<f32>>> {
        let step = self.step;
        self.gather(Work::Svm, |m| match m {
            FromHelper::Weights { id, weights } if id == step => Some(weights.0),
            _ => None,
        })
        .await
    }

    fn unload_fit(&mut self) {
        for h in &self.helpers {
            h.post(&ToHelper::DropFit);
        }
    }
}

impl Pool {
    /// Gives every helper the SVM fit's training features, which each maps itself while this
    /// worker maps its own (a copy of the 30 MB of features each, rather than 61 MB of rows).
    pub fn load_fit(&self, features: &[f32], labels: &[u8], options: &SvmOptions) {
        for h in &self.helpers {
            h.post(&ToHelper::FitFeatures {
                features: Bulk(features.to_vec()),
                labels: Bulk(labels.to_vec()),
                options: options.clone(),
            });
        }
    }

    /// Each helper's answer to what was last sent, as `pick` finds it among its messages
    /// (answers to older requests, of a pass cut short, are skipped); helpers that fail or
    /// fall silent are dropped, and the page is told.
    async fn gather<T>(&mut self, work: Work, pick: impl Fn(FromHelper) -> Option<T>) -> Vec<Option<T>> {
        let mut results = Vec::with_capacity(self.sent);
        let mut lost = Vec::new();
        for (i, h) in self.helpers.iter().take(self.sent).enumerate() {
            match answer(h, &pick).await {
                Ok(r) => results.push(Some(r)),
                Err(why) => {
                    results.push(None);
                    lost.push((i, why));
                }
            }
        }
        for (i, why) in lost.into_iter().rev() {
            self.helpers.remove(i);
            let n = self.workers();
            warning(format!(
                "A CPU helper worker was lost ({why}). {} goes on with {n} worker{}; no {} was lost.",
                work.name(),
                plural(n),
                work.unit()
            ));
            send(FromWorker::Workers { count: n as u32 });
        }
        results
    }
}

/// What the helpers were doing, as the page is told when one is lost.
#[derive(Clone, Copy)]
enum Work {
    Training,
    Inference,
    Svm,
}

impl Work {
    fn name(self) -> &'static str {
        match self {
            Work::Training => "Training",
            Work::Inference => "The evaluation",
            Work::Svm => "The SVM fit",
        }
    }

    fn unit(self) -> &'static str {
        match self {
            Work::Training => "step",
            Work::Inference => "image",
            Work::Svm => "class",
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `h`'s first message that `pick` takes, or why none will come.
async fn answer<T>(h: &Helper, pick: impl Fn(FromHelper) -> Option<T>) -> Result<T, String> {
    loop {
        match h.next_within(SHARD_TIMEOUT_MS).await? {
            FromHelper::Failed { message } => return Err(message),
            m => {
                if let Some(v) = pick(m) {
                    return Ok(v);
                }
            }
        }
    }
}
