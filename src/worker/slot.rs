//! The model in use and what was fitted on it. Every replacement bumps the generation, so
//! that background work on the old model knows to stop and what it made is not attached to
//! the new one.

use burn::prelude::Device;
use std::cell::RefCell;
use std::rc::Rc;

use super::loading;
use super::send::send;
use crate::custom::CustomClasses;
use crate::dataset::{FashionMnist, NUM_CLASSES};
use crate::model::Model;
use crate::model_file::ModelInfo;
use crate::neighbours::FeatureIndex;
use crate::pca::Pca;
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
    /// The projection of that model's test feature map.
    map: Option<Rc<Pca>>,
    info: Option<(ModelInfo, ModelSource)>,
    generation: u64,
    /// The classes of one's own: kept when the model changes (a new model's SVM does not know
    /// them until they are fitted again), replaced by a model file's own.
    classes: CustomClasses,
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
    pub map: Option<Rc<Pca>>,
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
            map: s.map.clone(),
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

/// Puts `model` in use, with the SVM (and the classes of one's own) that came with it, if
/// any; returns its generation.
pub fn replace(
    model: Model,
    svm: Option<SvmClassifier>,
    classes: Option<CustomClasses>,
    info: ModelInfo,
    source: ModelSource,
) -> u64 {
    SLOT.with(|s| {
        let mut s = s.borrow_mut();
        if let Some(c) = classes.filter(|c| !c.classes.is_empty()) {
            s.classes = c;
        }
        s.model = Some(model);
        s.svm = svm.map(Rc::new);
        // Made from the previous model's features: meaningless for this one.
        s.neighbours = None;
        s.map = None;
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

/// Replaces the SVM of the model of `generation` (refitted with the classes of one's own).
pub fn set_svm(generation: u64, svm: SvmClassifier) {
    SLOT.with(|s| {
        let mut s = s.borrow_mut();
        if s.generation == generation {
            s.svm = Some(Rc::new(svm));
        }
    });
}

/// Runs `f` on the classes of one's own.
pub fn with_classes<R>(f: impl FnOnce(&mut CustomClasses) -> R) -> R {
    SLOT.with(|s| f(&mut s.borrow_mut().classes))
}

/// Their names, example counts, and whether the SVM in use has a classifier for each.
pub fn classes_summary() -> (Vec<String>, Vec<u32>, bool) {
    SLOT.with(|s| {
        let s = s.borrow();
        let wanted = NUM_CLASSES + s.classes.classes.len();
        let fitted = s.svm.as_ref().is_some_and(|svm| svm.svm.classes() == wanted);
        (s.classes.names(), s.classes.counts(), fitted)
    })
}

/// Removes the class of one's own called `name`, and its classifier from the SVM when the SVM
/// has one; whether there was such a class.
pub fn remove_class(name: &str) -> bool {
    SLOT.with(|s| {
        let mut s = s.borrow_mut();
        let known = s.svm.as_ref().map_or(0, |svm| svm.svm.classes());
        let Some(k) = s.classes.remove(name) else { return false };
        if let Some(svm) = s.svm.as_ref().filter(|_| known > NUM_CLASSES + k) {
            let svm = SvmClassifier { svm: svm.svm.without_class(NUM_CLASSES + k), ..(**svm).clone() };
            s.svm = Some(Rc::new(svm));
        }
        true
    })
}

/// Attaches a feature map's projection to the model of `generation`, if still in use.
pub fn set_map(generation: u64, map: Pca) {
    SLOT.with(|s| {
        let mut s = s.borrow_mut();
        if s.generation == generation {
            s.map = Some(Rc::new(map));
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

/// What [`save`](super::files::save_model) writes: the model, its SVM, its record and the
/// classes of one's own.
pub fn current_file_parts() -> Option<(Model, Option<Rc<SvmClassifier>>, ModelInfo, CustomClasses)> {
    SLOT.with(|s| {
        let s = s.borrow();
        Some((s.model.clone()?, s.svm.clone(), s.info.clone()?.0, s.classes.clone()))
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
