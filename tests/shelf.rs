//! Which kept model a new run is measured against and which the full list drops.

use fashion_cnn::model_file::ModelInfo;
use fashion_cnn::shelf::{Entry, MAX_KEPT, Verdict, compare, key_for, newest_first, score, to_evict};

fn info(cnn: Option<f64>, svm: Option<f64>) -> ModelInfo {
    ModelInfo { cnn_accuracy: cnn, svm_accuracy: svm, ..ModelInfo::default() }
}

fn entry(saved_at: f64, svm: Option<f64>) -> Entry {
    Entry { key: key_for(saved_at), saved_at, info: info(Some(0.5), svm) }
}

#[test]
fn the_svm_score_comes_first_then_the_cnn() {
    assert_eq!(score(&info(Some(0.80), Some(0.85))), Some(0.85));
    assert_eq!(score(&info(Some(0.80), None)), Some(0.80));
    assert_eq!(score(&info(None, None)), None);
    assert_eq!(score(&info(Some(f64::NAN), None)), None);
}

#[test]
fn a_weaker_or_untested_run_is_named_as_such() {
    // The report's case: a 3,000-image run against the shipped model.
    let shipped = info(Some(0.9206), Some(0.9250));
    assert_eq!(compare(&info(Some(0.775), Some(0.780)), Some(&shipped)), Verdict::Weaker { new: 0.780, old: 0.9250 });
    assert_eq!(compare(&info(None, None), Some(&shipped)), Verdict::Untested { old: 0.9250 });
    assert_eq!(compare(&info(Some(0.93), Some(0.9250)), Some(&shipped)), Verdict::NotWorse);
    // Nothing in use, or an untested one: nothing to be weaker than.
    assert_eq!(compare(&info(Some(0.5), None), None), Verdict::NotWorse);
    assert_eq!(compare(&info(Some(0.5), None), Some(&info(None, None))), Verdict::NotWorse);
}

#[test]
fn a_full_list_drops_the_oldest_but_never_the_model_in_use_nor_the_best() {
    let mut entries: Vec<Entry> = (0..MAX_KEPT as u32 + 2).map(|i| entry(f64::from(i) * 1000.0, Some(0.7))).collect();
    // The oldest is the best; the second oldest is in use.
    entries[0].info.svm_accuracy = Some(0.93);
    let in_use = entries[1].key.clone();
    let gone = to_evict(&entries, Some(&in_use));
    assert_eq!(gone, vec![entries[2].key.clone(), entries[3].key.clone()]);
    assert!(to_evict(&entries[..MAX_KEPT], None).is_empty());
    let order: Vec<f64> = newest_first(entries).iter().map(|e| e.saved_at).collect();
    assert!(order.windows(2).all(|w| w[0] > w[1]), "{order:?}");
}
