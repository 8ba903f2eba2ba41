//! ROC and precision-recall curves, one class against the rest, and the areas under them.
//! Scores rank the images (the CNN's probabilities, or the SVM's margins); equal scores are
//! taken together, as scikit-learn does, so a tie draws a diagonal, not a staircase.

use crate::dataset::NUM_CLASSES;

/// A curve as points `[x, y]` from its start to its end, and the area it is summarised by.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Curve {
    pub points: Vec<[f32; 2]>,
    pub area: f64,
}

/// The ten one-vs-rest curves of a classifier and their macro averages.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OneVsRest {
    /// Per class: false positive rate → true positive rate; area: ROC AUC.
    pub roc: Vec<Curve>,
    /// Per class: recall → precision; area: average precision.
    pub pr: Vec<Curve>,
    pub macro_auc: f64,
    pub macro_ap: f64,
}

/// Cumulative (false, true) positive counts at each distinct score, highest score first.
fn counts(scores: &[f32], positive: &[bool]) -> Vec<(usize, usize)> {
    let mut order: Vec<usize> = (0..scores.len().min(positive.len())).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let (mut fp, mut tp) = (0, 0);
    let mut out = Vec::new();
    for (k, &i) in order.iter().enumerate() {
        if positive[i] {
            tp += 1;
        } else {
            fp += 1;
        }
        let last_of_tie = order.get(k + 1).is_none_or(|&j| scores[j] != scores[i]);
        if last_of_tie {
            out.push((fp, tp));
        }
    }
    out
}

/// The ROC curve (false positive rate, true positive rate) and its area (trapezoids). With no
/// positive or no negative the area is undefined: `NaN`.
pub fn roc(scores: &[f32], positive: &[bool]) -> Curve {
    let steps = counts(scores, positive);
    let (negatives, positives) = steps.last().copied().unwrap_or((0, 0));
    if negatives == 0 || positives == 0 {
        return Curve { points: Vec::new(), area: f64::NAN };
    }
    let (n, p) = (negatives as f64, positives as f64);
    let mut points = vec![[0.0, 0.0]];
    let (mut area, mut last) = (0.0, (0.0, 0.0));
    for &(fp, tp) in &steps {
        let (x, y) = (fp as f64 / n, tp as f64 / p);
        area += (x - last.0) * (y + last.1) / 2.0;
        last = (x, y);
        points.push([x as f32, y as f32]);
    }
    Curve { points, area }
}

/// The precision-recall curve (recall, precision) and its average precision: the precision at
/// each threshold weighted by the recall it adds (scikit-learn's `average_precision_score`).
pub fn precision_recall(scores: &[f32], positive: &[bool]) -> Curve {
    let steps = counts(scores, positive);
    let positives = steps.last().map_or(0, |s| s.1);
    if positives == 0 {
        return Curve { points: Vec::new(), area: f64::NAN };
    }
    let p = positives as f64;
    let mut points = Vec::with_capacity(steps.len() + 1);
    let (mut area, mut last_recall) = (0.0, 0.0);
    for &(fp, tp) in &steps {
        let (recall, precision) = (tp as f64 / p, tp as f64 / (tp + fp) as f64);
        if points.is_empty() {
            points.push([0.0, precision as f32]);
        }
        area += (recall - last_recall) * precision;
        last_recall = recall;
        points.push([recall as f32, precision as f32]);
    }
    Curve { points, area }
}

/// At most `max` points of `curve`, evenly spread along it, its ends kept: enough to draw.
pub fn thin(points: &[[f32; 2]], max: usize) -> Vec<[f32; 2]> {
    if points.len() <= max || max < 2 {
        return points.to_vec();
    }
    (0..max).map(|k| points[k * (points.len() - 1) / (max - 1)]).collect()
}

/// One-vs-rest curves for `scores` (`NUM_CLASSES` per image, row-major) against `labels`, each
/// thinned to `max_points` for drawing (the areas use every point).
pub fn one_vs_rest(scores: &[f32], labels: &[u8], max_points: usize) -> OneVsRest {
    let n = labels.len().min(scores.len() / NUM_CLASSES);
    let (mut roc_curves, mut pr_curves) = (Vec::new(), Vec::new());
    for class in 0..NUM_CLASSES {
        let column: Vec<f32> = (0..n).map(|i| scores[i * NUM_CLASSES + class]).collect();
        let positive: Vec<bool> = labels[..n].iter().map(|&l| usize::from(l) == class).collect();
        for (curves, mut curve) in
            [(&mut roc_curves, roc(&column, &positive)), (&mut pr_curves, precision_recall(&column, &positive))]
        {
            curve.points = thin(&curve.points, max_points);
            curves.push(curve);
        }
    }
    let mean = |curves: &[Curve]| {
        let areas: Vec<f64> = curves.iter().map(|c| c.area).filter(|a| a.is_finite()).collect();
        if areas.is_empty() { f64::NAN } else { areas.iter().sum::<f64>() / areas.len() as f64 }
    };
    OneVsRest { macro_auc: mean(&roc_curves), macro_ap: mean(&pr_curves), roc: roc_curves, pr: pr_curves }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCORES: [f32; 4] = [0.1, 0.4, 0.35, 0.8];
    const POSITIVE: [bool; 4] = [false, false, true, true];

    #[test]
    fn roc_auc_matches_the_hand_computed_value() {
        // Ranked: 0.8 (+), 0.4 (−), 0.35 (+), 0.1 (−): of the 4 (positive, negative) pairs, 3
        // are in order.
        let c = roc(&SCORES, &POSITIVE);
        assert!((c.area - 0.75).abs() < 1e-12, "{}", c.area);
        assert_eq!(c.points, [[0.0, 0.0], [0.0, 0.5], [0.5, 0.5], [0.5, 1.0], [1.0, 1.0]]);
    }

    #[test]
    fn average_precision_matches_the_hand_computed_value() {
        // Recall 0.5 at precision 1, then recall 1 at precision 2/3: 0.5·1 + 0.5·2/3.
        let c = precision_recall(&SCORES, &POSITIVE);
        assert!((c.area - (0.5 + 1.0 / 3.0)).abs() < 1e-12, "{}", c.area);
        assert_eq!(c.points.first(), Some(&[0.0, 1.0]));
        assert_eq!(c.points.last(), Some(&[1.0, 0.5]));
    }

    #[test]
    fn ties_count_half_and_perfect_ranking_is_one() {
        let tied = roc(&[0.5, 0.5], &[true, false]);
        assert!((tied.area - 0.5).abs() < 1e-12);
        assert_eq!(tied.points, [[0.0, 0.0], [1.0, 1.0]]);
        let perfect = roc(&[0.9, 0.8, 0.2], &[true, true, false]);
        assert_eq!(perfect.area, 1.0);
        assert!(roc(&[0.3, 0.2], &[true, true]).area.is_nan());
    }

    #[test]
    fn one_vs_rest_uses_each_column_and_averages_the_classes() {
        // Two images per class; each image's score is highest in its own column, so every
        // class ranks its own images first.
        let labels: Vec<u8> = (0..NUM_CLASSES as u8).flat_map(|c| [c, c]).collect();
        let mut scores = vec![0.0f32; labels.len() * NUM_CLASSES];
        for (i, &l) in labels.iter().enumerate() {
            scores[i * NUM_CLASSES + usize::from(l)] = 1.0 + i as f32;
        }
        let r = one_vs_rest(&scores, &labels, 200);
        assert_eq!(r.roc.len(), NUM_CLASSES);
        assert_eq!(r.macro_auc, 1.0);
        assert_eq!(r.macro_ap, 1.0);
        // Reversed ranking: every class's own images last.
        let reversed: Vec<f32> = scores.iter().map(|s| -s).collect();
        assert_eq!(one_vs_rest(&reversed, &labels, 200).macro_auc, 0.0);
    }

    #[test]
    fn thinning_keeps_the_ends() {
        let points: Vec<[f32; 2]> = (0..1000).map(|i| [i as f32, 0.0]).collect();
        let thinned = thin(&points, 50);
        assert_eq!(thinned.len(), 50);
        assert_eq!(thinned[0], points[0]);
        assert_eq!(thinned[49], points[999]);
    }
}
