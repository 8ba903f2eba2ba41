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

/// Precision, recall, F1 and support of one class (or an average of them).
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct ClassScores {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: u32,
}

/// scikit-learn's `classification_report`: one row per class, then the macro average (each
/// class counts the same) and the average weighted by support. A ratio with nothing to divide
/// by is 0, as scikit-learn reports it.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassificationReport {
    pub classes: [ClassScores; NUM_CLASSES],
    pub macro_avg: ClassScores,
    pub weighted_avg: ClassScores,
    pub accuracy: f64,
}

fn ratio(a: u32, b: u32) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

impl ClassificationReport {
    pub fn new(predicted: &[u8], labels: &[u8]) -> Self {
        let m = confusion_matrix(predicted, labels);
        let classes: [ClassScores; NUM_CLASSES] = std::array::from_fn(|c| {
            let hits = m[c][c];
            let support: u32 = m[c].iter().sum();
            let predicted_as_c: u32 = m.iter().map(|row| row[c]).sum();
            let (precision, recall) = (ratio(hits, predicted_as_c), ratio(hits, support));
            let f1 = if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) };
            ClassScores { precision, recall, f1, support }
        });
        let total: u32 = classes.iter().map(|c| c.support).sum();
        // Like scikit-learn, the macro average is over the classes that occur in the labels
        // or the predictions (a short test run may not contain all ten).
        let occurs: [f64; NUM_CLASSES] = std::array::from_fn(|c| {
            if m[c].iter().sum::<u32>() + m.iter().map(|r| r[c]).sum::<u32>() > 0 { 1.0 } else { 0.0 }
        });
        let average = |weights: [f64; NUM_CLASSES]| {
            let sum_w: f64 = weights.iter().sum();
            let avg = |f: fn(&ClassScores) -> f64| {
                if sum_w == 0.0 {
                    0.0
                } else {
                    classes.iter().zip(&weights).map(|(c, w)| w * f(c)).sum::<f64>() / sum_w
                }
            };
            ClassScores {
                precision: avg(|c| c.precision),
                recall: avg(|c| c.recall),
                f1: avg(|c| c.f1),
                support: total,
            }
        };
        Self {
            macro_avg: average(occurs),
            weighted_avg: average(std::array::from_fn(|c| classes[c].support as f64)),
            accuracy: accuracy(predicted, labels),
            classes,
        }
    }
}
