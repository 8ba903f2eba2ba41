//! Classes of one's own, worker side: examples are prepared as the pad's pictures are and kept
//! with the model ([`slot`]); a fit extracts the frozen CNN's features of training images and
//! of the examples (with shifted copies), maps them with the SVM's own feature map and refits
//! Pegasos with the new classes beside the ten, at the model's λ. The ten classes' test
//! accuracy is measured before and after.

use wasm_bindgen_futures::spawn_local;
use web_time::Instant;

use super::evaluate::{INFER_BATCH, continue_unless_stopped, run_fit};
use super::files::save_model;
use super::run::{reset_stop, stop_requested};
use super::send::send;
use super::{classify, slot, work};
use crate::custom::ClassError;
use crate::dataset::Split;
use crate::protocol::{ClassesFitted, FromWorker, SavePurpose};
use crate::svm::{Fit, SvmClassifier, SvmOptions};
use crate::train::infer_split;

/// Training images the refit uses (the first ones: all ten classes, evenly): a few seconds of
/// features on a CPU, and the ten classes keep most of their accuracy.
const REFIT_IMAGES: usize = 20_000;
/// Test images the before/after accuracy is measured on.
const TEST_IMAGES: usize = 2_000;

/// Why a fit could not be done, in the user's terms.
fn refuse(message: impl Into<String>) {
    send(FromWorker::ClassError { message: message.into() });
}

/// Tells the page the classes of one's own, and whether the SVM in use knows them.
pub fn send_classes() {
    let (names, counts, fitted) = slot::classes_summary();
    send(FromWorker::CustomClasses { names, counts, fitted });
}

/// `ToWorker::AddExample`.
pub fn add_example(name: &str, (width, height, as_is): (u32, u32, bool), rgba: &[u8]) {
    let prepared = match classify::prepare_picture((width, height, as_is), rgba) {
        Ok(p) => p,
        Err(e) => return refuse(e),
    };
    if prepared.empty {
        return refuse(ClassError::EmptyPicture.to_string());
    }
    match slot::with_classes(|c| c.add_example(name, &prepared.image)) {
        Ok(()) => send_classes(),
        Err(e) => refuse(e.to_string()),
    }
}

/// `ToWorker::RemoveClass`: the class goes, and its classifier with it (the others are
/// one-vs-rest, each fitted on its own); the model is kept without it.
pub fn remove(name: &str) {
    if slot::remove_class(name) {
        send_classes();
        slot::send_model_ready();
        spawn_local(save_model(SavePurpose::Store));
    }
}

/// `ToWorker::FitClasses`.
pub fn fit(named: String) {
    spawn_local(async move {
        if let Err(message) = refit(&named).await {
            refuse(message);
        }
    });
}

async fn refit(named: &str) -> Result<(), String> {
    slot::with_classes(|c| c.check_fit(named)).map_err(|e| e.to_string())?;
    let loaded = slot::loaded().ok_or("There is no model yet: wait for the shipped one, or train one.")?;
    let data = loaded.data.clone().ok_or("The dataset is still on its way: fit once it is in.")?;
    let old = loaded.svm.clone().ok_or(
        "This model has no SVM yet, and your classes are taught to the SVM: let a run finish its SVM fit (or use the shipped model), then fit.",
    )?;
    let claim = work::claim_for_training().ok_or("A run is going on: fit your classes once it is over.")?;
    claim.device_free().await;
    // A Stop or Skip of the last run is not meant for this.
    reset_stop();
    let started = Instant::now();
    let (model, device) = (&loaded.model, &loaded.device);
    let n_test = TEST_IMAGES.min(data.test.len());
    let test = infer_split(model, &data.test, n_test, device, INFER_BATCH, |_| continue_unless_stopped()).await?;
    let test_rows = old.map.apply_all(&test.features, |_| {});
    let labels = &data.test.labels[..n_test];
    let ten = |svm: &crate::svm::LinearSvm| crate::metrics::accuracy(&svm.predict_rows(&test_rows), labels);
    let before = ten(&old.svm);
    let n = REFIT_IMAGES.min(data.train.len());
    let (images, custom_labels) = slot::with_classes(|c| c.training_images());
    let examples = custom_labels.len();
    let total = (n + examples) as u32;
    let train = infer_split(model, &data.train, n, device, INFER_BATCH, |done| {
        send(FromWorker::ClassProgress { done: done as u32, total });
        continue_unless_stopped()
    })
    .await?;
    let own = Split::new(images, custom_labels.clone()).map_err(|e| e.to_string())?;
    let own = infer_split(model, &own, examples, device, INFER_BATCH, |_| continue_unless_stopped()).await?;
    if stop_requested() || train.predictions.len() < n || own.predictions.len() < examples {
        return Err("The fit was stopped: the model is as it was.".into());
    }
    let mut features = train.features;
    features.extend_from_slice(&own.features);
    let rows = old.map.apply_all(&features, |_| {});
    drop(features);
    let mut all_labels = data.train.labels[..n].to_vec();
    all_labels.extend_from_slice(&custom_labels);
    let options = SvmOptions { lambda: Some(old.lambda), ..SvmOptions::default() };
    let mut fit = Fit::new(&rows, &all_labels, options);
    if !run_fit(&mut fit).await {
        return Err("The fit was stopped: the model is as it was.".into());
    }
    let (svm, lambda) = fit.finish();
    let after = ten(&svm);
    slot::set_svm(loaded.generation, SvmClassifier { map: old.map.clone(), svm, lambda });
    drop(claim);
    send(FromWorker::ClassesFitted(ClassesFitted {
        before,
        after,
        test_images: n_test as u32,
        train_images: n as u32,
        examples: examples as u32,
        seconds: started.elapsed().as_secs_f64(),
    }));
    send_classes();
    slot::send_model_ready();
    save_model(SavePurpose::Store).await;
    Ok(())
}
