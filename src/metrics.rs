//! Scores computed from predicted and true labels.

use crate::dataset::NUM_CLASSES;

/// Fraction of predictions equal to the labels (0 when there is nothing to score).
pub fn accuracy(predicted: &[u8], labels: &[u8]) -> f64 {
    assert_eq!(predicted.len(), labels.len(), "one prediction per label");
    if labels.is_empty() {
        return 0.0;
    }
    let correct = predicted.iter().zip(labels).filter(|(p, l)| p == l).count();
    correct as f64 / labels.len() as f64
}

/// `matrix[actual][predicted]` counts.
pub fn confusion_matrix(predicted: &[u8], labels: &[u8]) -> [[u32; NUM_CLASSES]; NUM_CLASSES] {
    let mut matrix = [[0u32; NUM_CLASSES]; NUM_CLASSES];
    for (&p, &l) in predicted.iter().zip(labels) {
        matrix[l as usize][p as usize] += 1;
    }
    matrix
}
