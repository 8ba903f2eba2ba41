//! The similarity search needs the current model's features of the 60,000 training images. A
//! model trained here has them from the SVM fit; a loaded one gets them here, in the
//! background, once both it and the dataset are in. A pass gives way to a training run, and
//! moves on to a newer model when one is loaded.

use std::ops::ControlFlow;
use wasm_bindgen_futures::spawn_local;

use super::send::send;
use super::wait::yield_now;
use super::{loading, slot, work};
use crate::neighbours::FeatureIndex;
use crate::protocol::FromWorker;
use crate::train::infer_split;

/// Images per batch of the pass: small, so a drawing waits at most one such batch (tens of
/// ms on the CPU) for its answer.
const INDEX_BATCH: usize = 100;
/// The page hears of the pass every this many images.
const PROGRESS_EVERY: usize = 2000;

/// Indexes the current model's training features in the background, unless it has them or
/// the device is busy.
pub fn spawn() {
    spawn_local(index());
}

async fn index() {
    let Some(_claim) = work::claim_for_indexing() else { return };
    while let Some((model, generation)) = slot::needing_index() {
        let (Some(data), Some(device)) = (loading::dataset(), loading::device()) else { return };
        let current = move || slot::generation() == generation && !work::is_training();
        let n = data.train.len();
        let result = infer_split(&model, &data.train, n, &device, INDEX_BATCH, |done| async move {
            if done % PROGRESS_EVERY == 0 || done == n {
                send(FromWorker::IndexProgress { done: done as u32, total: n as u32 });
            }
            yield_now().await;
            if current() { ControlFlow::Continue(()) } else { ControlFlow::Break(()) }
        })
        .await;
        let Ok(inference) = result else { return };
        if inference.predictions.len() == n && current() {
            slot::set_neighbours(generation, FeatureIndex::new(&inference.features, inference.feature_dim));
            slot::send_model_ready();
            return;
        }
        // Cut short: by a run, which has the device now, or by a newer model, indexed next.
        if work::is_training() {
            return;
        }
    }
}
