//! Model files in and out: a file the page sends (pretrained, saved, picked by the user), the
//! current model saved as a file, and the checkpoints of a run in progress.

use wasm_bindgen_futures::spawn_local;

use super::send::send;
use super::{indexing, loading, slot};
use crate::model::Model;
use crate::model_file::{ModelFile, ModelInfo, read_weights};
use crate::protocol::{FromWorker, ModelSource, SavePurpose};

/// `ToWorker::LoadModel`: replaces the current model with the file's, unless the file is
/// refused (then the current model stays, and the page says why). A run in progress goes on:
/// the pad uses the loaded model until the run's own model is trained.
pub fn load_model(bytes: Vec<u8>, source: ModelSource, name: String) {
    spawn_local(async move {
        let name = if name.is_empty() { "the model file".to_string() } else { name };
        let refuse = |why: String| {
            let message = format!("Could not load {name}: {why}. The current model is kept.");
            send(FromWorker::ModelError { source: Some(source), message });
        };
        // A model sent with the page waits for the backend, chosen first thing at start.
        let device = loading::settled_device().await;
        let file = match ModelFile::decode(&bytes) {
            Ok(f) => f,
            Err(e) => return refuse(e.to_string()),
        };
        let model = match file.weights.build(&device) {
            Ok(m) => m,
            Err(e) => return refuse(e.to_string()),
        };
        slot::replace(model, file.svm, Some(file.custom), file.info, source);
        slot::send_model_ready();
        super::classes::send_classes();
        indexing::spawn();
    });
}

/// `ToWorker::SaveModel`: sends the current model (CNN weights and SVM) as a file.
pub async fn save_model(purpose: SavePurpose) {
    let Some((model, svm, info, custom)) = slot::current_file_parts() else {
        let message = "There is no model to save yet: train one or load one first.".to_string();
        return send(FromWorker::ModelError { source: None, message });
    };
    match read_weights(&model).await {
        Ok(weights) => {
            let bytes = ModelFile { info, weights, svm: svm.map(|s| (*s).clone()), custom }.encode();
            send(FromWorker::ModelFile { purpose, arch: model.arch(), bytes: bytes.into() });
        }
        Err(e) => send(FromWorker::ModelError { source: None, message: format!("Could not save the model: {e}") }),
    }
}

/// Sends the page the model trained so far. The page keeps only the latest, and restores it
/// if the worker has to be restarted.
pub async fn send_checkpoint(model: &Model, info: ModelInfo, step: usize, batches: usize) {
    match read_weights(model).await {
        Ok(weights) => {
            let bytes = ModelFile { info, weights, svm: None, custom: Default::default() }.encode();
            send(FromWorker::Checkpoint { step: step as u32, batches: batches as u32, bytes: bytes.into() });
        }
        // Not fatal: the run goes on, only without this safety copy.
        Err(e) => web_sys::console::warn_1(&format!("checkpoint skipped: {e}").into()),
    }
}
