//! The sketch pad and picture upload, worker side: a picture (RGBA pixels from a canvas or a
//! decoded upload) is prepared as the dataset's images were, classified by the CNN and the SVM,
//! explained, and matched against the training images. The answer goes back as one
//! `prediction` message.

use js_sys::{Float32Array, Reflect, Uint8Array, Uint8ClampedArray, Uint32Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_time::Instant;

use super::messages::{num, post, warning};
use super::session::Loaded;
use crate::dataset::CLASS_NAMES;
use crate::explain::{Maps, argmax, explain, first_filters, occlusion};
use std::cell::RefCell;
use std::rc::Rc;
use crate::sketch::{Gray, prepare};

/// Largest picture accepted, in pixels; the page scales uploads down well below this.
const MAX_PIXELS: usize = 4096 * 4096;
/// Training images shown as the nearest neighbours.
const NEIGHBOURS: usize = 8;

fn field_f64(msg: &JsValue, key: &str) -> Option<f64> {
    Reflect::get(msg, &key.into()).ok()?.as_f64()
}

pub fn classify(msg: JsValue, loaded: Option<Loaded>) {
    let (Some(width), Some(height), Some(seq)) =
        (field_f64(&msg, "width"), field_f64(&msg, "height"), field_f64(&msg, "seq"))
    else {
        return warning("classify: the message lacks width, height or seq");
    };
    let (width, height) = (width as usize, height as usize);
    let Ok(rgba) = Reflect::get(&msg, &"rgba".into()).and_then(|v| v.dyn_into::<Uint8ClampedArray>()) else {
        return warning("classify: the message carries no pixels");
    };
    if width == 0 || height == 0 || width * height > MAX_PIXELS || rgba.length() as usize != width * height * 4 {
        return warning(&format!("The picture cannot be read: {width}x{height} pixels with {} bytes.", rgba.length()));
    }
    let picture = Gray::from_rgba(width, height, &rgba.to_vec());
    spawn_local(async move {
        if let Err(e) = answer(seq, &picture, loaded).await {
            warning(&format!("Could not classify the picture: {e}"));
        }
    });
}

thread_local! {
    /// The first layer's filters of the model of that generation: they change only with the
    /// model, and on WebGPU each read is a round trip.
    static FILTERS: RefCell<Option<(u64, Rc<Maps>)>> = const { RefCell::new(None) };
}

async fn filters(loaded: &Loaded) -> Result<Rc<Maps>, String> {
    let cached = FILTERS.with(|f| f.borrow().as_ref().filter(|(g, _)| *g == loaded.generation).map(|(_, m)| m.clone()));
    if let Some(maps) = cached {
        return Ok(maps);
    }
    let maps = Rc::new(first_filters(&loaded.model).await?);
    FILTERS.with(|f| *f.borrow_mut() = Some((loaded.generation, maps.clone())));
    Ok(maps)
}

fn labels(classes: impl IntoIterator<Item = usize>) -> js_sys::Array {
    classes.into_iter().map(|c| JsValue::from(CLASS_NAMES[c])).collect()
}

async fn answer(seq: f64, picture: &Gray, loaded: Option<Loaded>) -> Result<(), String> {
    let started = Instant::now();
    let prepared = prepare(picture);
    let mut fields: Vec<(&str, JsValue)> = vec![
        ("seq", num(seq)),
        ("image", Uint8Array::from(&prepared.image[..]).into()),
        ("empty", prepared.empty.into()),
        ("inverted", prepared.inverted.into()),
        ("filledOutline", prepared.filled_outline.into()),
        ("hasModel", loaded.is_some().into()),
        ("classes", labels(0..CLASS_NAMES.len()).into()),
    ];
    let Some(loaded) = loaded.filter(|_| !prepared.empty) else {
        post("prediction", &fields);
        return Ok(());
    };
    let e = explain(&loaded.model, &prepared.image, &loaded.device).await?;
    let filters = filters(&loaded).await?;
    let cnn_class = e.cnn_class();
    fields.extend([
        ("cnnClass", num(cnn_class as f64)),
        ("cnnLabel", CLASS_NAMES[cnn_class].into()),
        ("probabilities", Float32Array::from(&e.probabilities[..]).into()),
        ("firstCount", num(e.first.count as f64)),
        ("firstSide", num(e.first.side as f64)),
        ("first", Float32Array::from(&e.first.values[..]).into()),
        ("filterSide", num(filters.side as f64)),
        ("filters", Float32Array::from(&filters.values[..]).into()),
    ]);
    if let Some(svm) = &loaded.svm {
        let scores = svm.scores(&e.features);
        let class = argmax(&scores);
        fields.extend([
            ("svmClass", num(class as f64)),
            ("svmLabel", CLASS_NAMES[class].into()),
            ("svmScores", Float32Array::from(&scores[..]).into()),
        ]);
    }
    if let (Some(index), Some(data)) = (&loaded.neighbours, &loaded.data) {
        let hits = index.nearest(&e.features, NEIGHBOURS);
        let train = &data.train;
        let images: Vec<u8> = hits.iter().flat_map(|h| train.image(h.0).iter().copied()).collect();
        fields.extend([
            ("neighbours", Uint32Array::from(&hits.iter().map(|h| h.0 as u32).collect::<Vec<_>>()[..]).into()),
            ("neighbourLabels", labels(hits.iter().map(|h| train.labels[h.0] as usize)).into()),
            ("neighbourSimilarity", Float32Array::from(&hits.iter().map(|h| h.1).collect::<Vec<_>>()[..]).into()),
            ("neighbourImages", Uint8Array::from(&images[..]).into()),
            ("searched", num(index.len() as f64)),
        ]);
    }
    fields.push(("millis", num(started.elapsed().as_secs_f64() * 1000.0)));
    post("prediction", &fields);
    // The heatmap costs a batch of 100 images: it follows the answer instead of delaying it.
    let started = Instant::now();
    let heat = occlusion(&loaded.model, &prepared.image, cnn_class, &loaded.device).await?;
    post(
        "heatmap",
        &[
            ("seq", num(seq)),
            ("heat", Float32Array::from(&heat[..]).into()),
            ("heatClass", num(cnn_class as f64)),
            ("image", Uint8Array::from(&prepared.image[..]).into()),
            ("millis", num(started.elapsed().as_secs_f64() * 1000.0)),
        ],
    );
    Ok(())
}
