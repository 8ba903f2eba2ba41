//! The model in use and what was fitted on it. Every replacement bumps the generation, so
//! that background work on the old model knows to stop and what it made is not attached to
//! the new one.

use burn::prelude::Device;
use std::cell::RefCell;
use std::rc::Rc;

use super::loading;
use super::send::send;
use crate::dataset::FashionMnist;
use crate::model::Model;
use crate::model_file::ModelInfo;
use crate::neighbours::FeatureIndex;
use crate::protocol::{FromWorker, ModelDescription, ModelSource};
use crate::svm::SvmClassifier;

#[derive(Default)]
struct Slot {
    /// The last trained or loaded model; a run in progress does not replace it until its own
    /// model is trained.
    model: Option<Model>,
    /// The SVM fitted on that model's features, when the fit ran to the end.
    svm: Option<Rc<SvmClassifier>>,
    /// That model's features of the training images, for the similarity search.
    neighbours: Option<Rc<FeatureIndex>>,
    info: Option<(ModelInfo, ModelSource)>,
    generation: u64,
}

thread_local! {
    static SLOT: RefCell<Slot> = RefCell::new(Slot::default());
}

/// What the sketch pad needs to classify: the current model and what was fitted on it.
#[derive(Clone)]
pub struct Loaded {
    pub model: Model,
    pub device: Device,
    pub svm: Option<Rc<SvmClassifier>>,
    pub neighbours: Option<Rc<FeatureIndex>>,
    /// Absent while the dataset downloads: a loaded model classifies without it.
    pub data: Option<Rc<FashionMnist>>,
    /// Which model this is: changes whenever the model is replaced.
    pub generation: u64,
}

/// The model to classify with, if one has been trained or loaded (and a device chosen).
pub fn loaded() -> Option<Loaded> {
    let device = loading::device()?;
    let data = loading::dataset();
    SLOT.with(|s| {
        let s = s.borrow();
        Some(Loaded {
            model: s.model.clone()?,
            device,
            svm: s.svm.clone(),
            neighbours: s.neighbours.clone(),
            data,
            generation: s.generation,
        })
    })
}

pub fn has_model() -> bool {
    SLOT.with(|s| s.borrow().model.is_some())
}

pub fn generation() -> u64 {
    SLOT.with(|s| s.borrow().generation)
}

/// Puts `model` in use, with the SVM that came with it, if any; returns its generation.
pub fn replace(model: Model, svm: Option<SvmClassifier>, info: ModelInfo, source: ModelSource) -> u64 {
    SLOT.with(|s| {
        let mut s = s.borrow_mut();
        s.model = Some(model);
        s.svm = svm.map(Rc::new);
        // Made from the previous model's features: meaningless for this one.
        s.neighbours = None;
        s.info = Some((info, source));
        s.generation += 1;
        s.generation
    })
}

/// Attaches the evaluation's SVM and results to the model of `generation`, if still in use.
pub fn set_evaluated(generation: u64, svm: Option<SvmClassifier>, info: ModelInfo) {
    SLOT.with(|s| {
        let mut s = s.borrow_mut();
        if s.generation == generation {
            s.svm = svm.map(Rc::new);
            if let Some((old, _)) = &mut s.info {
                *old = info;
            }
        }
    });
}

/// Attaches a search index to the model of `generation`, if still in use.
pub fn set_neighbours(generation: u64, index: FeatureIndex) {
    SLOT.with(|s| {
        let mut s = s.borrow_mut();
        if s.generation == generation {
            s.neighbours = Some(Rc::new(index));
        }
    });
}

/// The model in use and its generation, when it has no search index yet.
pub fn needing_index() -> Option<(Model, u64)> {
    SLOT.with(|s| {
        let s = s.borrow();
        if s.neighbours.is_some() {
            return None;
        }
        Some((s.model.clone()?, s.generation))
    })
}

/// What [`save`](super::files::save_model) writes: the model, its SVM and its record.
pub fn current_file_parts() -> Option<(Model, Option<Rc<SvmClassifier>>, ModelInfo)> {
    SLOT.with(|s| {
        let s = s.borrow();
        Some((s.model.clone()?, s.svm.clone(), s.info.clone()?.0))
    })
}

/// Tells the page which model the sketch pad now uses, and what it is.
pub fn send_model_ready() {
    let description = SLOT.with(|s| {
        let s = s.borrow();
        let (model, (info, source)) = (s.model.as_ref()?, s.info.as_ref()?);
        Some(ModelDescription {
            arch: model.arch(),
            source: *source,
            has_svm: s.svm.is_some(),
            has_neighbours: s.neighbours.is_some(),
            settings: info.settings.clone(),
            made_by: info.made_by.clone(),
            cnn_accuracy: info.cnn_accuracy,
            svm_accuracy: info.svm_accuracy,
            test_images: info.test_images as u32,
            trained_images: info.trained_images as u32,
        })
    });
    if let Some(description) = description {
        send(FromWorker::ModelReady(Box::new(description)));
    }
}
