//! Scores against values worked out by hand (and matching scikit-learn's classification_report).
#![cfg(not(target_arch = "wasm32"))]

use fashion_cnn::metrics::{ClassificationReport, accuracy, confusion_matrix};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-4
}

#[test]
fn classification_report_matches_hand_computed_values() {
    let labels = [0, 0, 1, 1, 2];
    let predicted = [0, 1, 1, 1, 0];
    let r = ClassificationReport::new(&predicted, &labels);
    let c = &r.classes;
    assert!(close(c[0].precision, 0.5) && close(c[0].recall, 0.5) && close(c[0].f1, 0.5));
    assert!(close(c[1].precision, 2.0 / 3.0) && close(c[1].recall, 1.0) && close(c[1].f1, 0.8));
    assert_eq!((c[2].precision, c[2].recall, c[2].f1, c[2].support), (0.0, 0.0, 0.0, 1));
    assert_eq!((c[0].support, c[1].support, c[5].support), (2, 2, 0));
    assert!(close(r.accuracy, 0.6));
    // Macro: over classes 0-2, the ones that occur.
    assert!(close(r.macro_avg.precision, 0.388_89), "{:?}", r.macro_avg);
    assert!(close(r.macro_avg.recall, 0.5) && close(r.macro_avg.f1, 0.433_33));
    assert!(close(r.weighted_avg.precision, 0.466_67), "{:?}", r.weighted_avg);
    assert!(close(r.weighted_avg.recall, 0.6) && close(r.weighted_avg.f1, 0.52));
    assert_eq!((r.macro_avg.support, r.weighted_avg.support), (5, 5));
}

#[test]
fn perfect_predictions_score_one_everywhere() {
    let labels: Vec<u8> = (0..100).map(|i| (i % 10) as u8).collect();
    let r = ClassificationReport::new(&labels, &labels);
    assert!(r.classes.iter().all(|c| c.precision == 1.0 && c.recall == 1.0 && c.f1 == 1.0 && c.support == 10));
    assert_eq!((r.macro_avg.f1, r.weighted_avg.f1, r.accuracy), (1.0, 1.0, 1.0));
}

#[test]
fn confusion_matrix_rows_are_actual_classes() {
    let m = confusion_matrix(&[1, 1, 2], &[0, 1, 2]);
    assert_eq!((m[0][1], m[1][1], m[2][2], m[1][0]), (1, 1, 1, 0));
    assert_eq!(accuracy(&[1, 1, 2], &[0, 1, 2]), 2.0 / 3.0);
}
