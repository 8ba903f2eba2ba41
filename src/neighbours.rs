//! Visual similarity search: the training images whose CNN features are closest (by cosine
//! similarity) to those of a query. Features are stored unit-normalised as `i8`: 60,000 x 128
//! takes 7.7 MB instead of 31 MB, and rounding moves a similarity by well under 0.01, far less
//! than the gaps between the neighbours one would show.

/// The training images' features, ready to be searched.
pub struct FeatureIndex {
    dim: usize,
    rows: Vec<i8>,
}

fn unit(v: &[f32]) -> impl Iterator<Item = f32> + '_ {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    v.iter().map(move |x| x / norm)
}

impl FeatureIndex {
    /// `features`: `n * dim` values, row `i` belonging to training image `i`.
    pub fn new(features: &[f32], dim: usize) -> Self {
        assert!(dim > 0 && features.len() % dim == 0, "whole rows of {dim} features");
        let rows = features.chunks_exact(dim).flat_map(|r| unit(r).map(|x| (x * 127.0).round() as i8)).collect();
        Self { dim, rows }
    }

    pub fn len(&self) -> usize {
        self.rows.len() / self.dim
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The `k` most similar rows, best first, as `(row, cosine similarity)`.
    pub fn nearest(&self, query: &[f32], k: usize) -> Vec<(usize, f32)> {
        assert_eq!(query.len(), self.dim, "a query of {} features", self.dim);
        let q: Vec<f32> = unit(query).collect();
        let mut best: Vec<(usize, f32)> = Vec::with_capacity(k + 1);
        for (i, row) in self.rows.chunks_exact(self.dim).enumerate() {
            let s = row.iter().zip(&q).map(|(&r, &q)| r as f32 * q).sum::<f32>() / 127.0;
            if best.len() < k || s > best[best.len() - 1].1 {
                let at = best.partition_point(|b| b.1 >= s);
                best.insert(at, (i, s));
                best.truncate(k);
            }
        }
        best
    }
}
