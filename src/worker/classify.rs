//! The sketch pad and picture upload, worker side: a picture (RGBA pixels from a canvas or a
//! decoded upload) is prepared as the dataset's images were, classified by the CNN and the SVM,
//! explained, and matched against the training images. The answer goes back as one
//! `Prediction`, the occlusion heatmap after it.

use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen_futures::spawn_local;
use web_time::Instant;

use super::send::{send, warning};
use super::slot::Loaded;
use crate::dataset::IMAGE_SIDE;
use crate::explain::{Explanation, Maps, argmax, explain, first_filters, occlusion_by};
use crate::protocol::{Answer, FromWorker, MapStack, Neighbours, Prediction, SvmAnswer};
use crate::sketch::{Gray, Prepared, prepare};

/// Training images shown as the nearest neighbours.
const NEIGHBOURS: usize = 8;

/// A picture as the model sees it: a dataset image as it is, anything else through the sketch
/// preprocessing.
pub fn prepare_picture((width, height, as_is): (u32, u32, bool), rgba: &[u8]) -> Result<Prepared, String> {
    if as_is && (width as usize, height as usize) == (IMAGE_SIDE, IMAGE_SIDE) {
        let image: Vec<u8> = rgba.chunks_exact(4).map(|p| p[0]).collect();
        let empty = image.iter().all(|&p| p == 0);
        return Ok(Prepared { image, inverted: false, filled_outline: false, empty });
    }
    match Gray::from_rgba(width as usize, height as usize, rgba) {
        Ok(p) => Ok(prepare(&p)),
        Err(e) => Err(format!("The picture cannot be read: {e}.")),
    }
}

/// `ToWorker::Classify`.
pub fn classify(seq: u32, picture: (u32, u32, bool), rgba: &[u8], loaded: Option<Loaded>) {
    let prepared = match prepare_picture(picture, rgba) {
        Ok(p) => p,
        Err(e) => return warning(e),
    };
    spawn_local(async move {
        if let Err(e) = answer(seq, prepared, loaded).await {
            warning(format!("Could not classify the picture: {e}"));
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

fn map_stack(maps: &Maps) -> MapStack {
    MapStack { count: maps.count as u32, side: maps.side as u32, values: maps.values.clone().into() }
}

async fn answer(seq: u32, prepared: Prepared, loaded: Option<Loaded>) -> Result<(), String> {
    let started = Instant::now();
    let mut prediction = Prediction {
        seq,
        image: prepared.image.clone().into(),
        empty: prepared.empty,
        inverted: prepared.inverted,
        filled_outline: prepared.filled_outline,
        answer: None,
        has_model: loaded.is_some(),
    };
    let Some(loaded) = loaded.filter(|_| !prepared.empty) else {
        send(FromWorker::Prediction(Box::new(prediction)));
        return Ok(());
    };
    let e = explain(&loaded.model, &prepared.image, &loaded.device).await?;
    let filters = filters(&loaded).await?;
    let cnn_class = e.cnn_class();
    let svm = loaded.svm.as_ref().map(|svm| {
        let scores = svm.scores(&e.features);
        SvmAnswer { class: argmax(&scores) as u8, scores: scores.into() }
    });
    // The heatmap explains the headline answer: the SVM's when there is one.
    let shown = svm.as_ref().map_or(cnn_class, |s| usize::from(s.class));
    prediction.answer = Some(Answer {
        cnn_class: cnn_class as u8,
        probabilities: e.probabilities.to_vec().into(),
        svm,
        activations: map_stack(&e.first),
        filters: map_stack(&filters),
        neighbours: neighbours(&loaded, &e),
        map_point: loaded.map.as_ref().and_then(|m| match m.project(&e.features)[..] {
            [x, y, ..] => Some([x, y]),
            _ => None,
        }),
        millis: started.elapsed().as_secs_f64() * 1000.0,
    });
    send(FromWorker::Prediction(Box::new(prediction)));
    // The heatmap costs a batch of 100 images: it follows the answer instead of delaying it.
    let started = Instant::now();
    let heat = occlusion_by(&loaded.model, loaded.svm.as_deref(), &prepared.image, shown, &loaded.device).await?;
    send(FromWorker::Heatmap {
        seq,
        class: shown as u8,
        heat: heat.into(),
        image: prepared.image.into(),
        millis: started.elapsed().as_secs_f64() * 1000.0,
    });
    Ok(())
}

/// The training images nearest to the picture, once the model has a search index.
fn neighbours(loaded: &Loaded, e: &Explanation) -> Option<Neighbours> {
    let (index, data) = (loaded.neighbours.as_ref()?, loaded.data.as_ref()?);
    let hits = index.nearest(&e.features, NEIGHBOURS);
    let train = &data.train;
    Some(Neighbours {
        indices: hits.iter().map(|h| h.0 as u32).collect::<Vec<_>>().into(),
        labels: hits.iter().map(|h| train.labels[h.0]).collect::<Vec<_>>().into(),
        similarity: hits.iter().map(|h| h.1).collect::<Vec<_>>().into(),
        images: hits.iter().flat_map(|h| train.image(h.0).iter().copied()).collect::<Vec<_>>().into(),
        searched: index.len() as u32,
    })
}
