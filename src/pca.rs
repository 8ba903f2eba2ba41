//! Principal component analysis, for the feature map: the CNN's penultimate features of the
//! test images projected on their two directions of largest variance. The covariance is
//! `dim × dim` (64 or 128 here), so power iteration with deflation is exact enough and fast;
//! a drawing is projected with the same mean and directions, so it lands among the images
//! the CNN thinks it resembles.

/// A fitted projection.
#[derive(Clone, Debug, PartialEq)]
pub struct Pca {
    mean: Vec<f32>,
    /// Unit directions, largest variance first, `dim` numbers each.
    components: Vec<Vec<f64>>,
    /// The variance along each direction.
    pub variance: Vec<f64>,
    /// The data's total variance (the sum over all directions).
    pub total_variance: f64,
}

const ITERATIONS: usize = 300;

impl Pca {
    /// Fits `k` components to `rows` (row-major, `dim` numbers each).
    pub fn fit(rows: &[f32], dim: usize, k: usize) -> Self {
        let n = rows.len().checked_div(dim).unwrap_or(0);
        let mut mean = vec![0.0f64; dim];
        for row in rows.chunks_exact(dim.max(1)).take(n) {
            for (m, &x) in mean.iter_mut().zip(row) {
                *m += f64::from(x);
            }
        }
        mean.iter_mut().for_each(|m| *m /= n.max(1) as f64);
        let mut cov = vec![0.0f64; dim * dim];
        let mut centred = vec![0.0f64; dim];
        for row in rows.chunks_exact(dim.max(1)).take(n) {
            for (c, (&x, m)) in centred.iter_mut().zip(row.iter().zip(&mean)) {
                *c = f64::from(x) - m;
            }
            for i in 0..dim {
                let ci = centred[i];
                if ci == 0.0 {
                    continue;
                }
                for (j, cj) in centred.iter().enumerate().skip(i) {
                    cov[i * dim + j] += ci * cj;
                }
            }
        }
        let scale = 1.0 / (n.max(2) - 1) as f64;
        for i in 0..dim {
            for j in i..dim {
                let v = cov[i * dim + j] * scale;
                cov[i * dim + j] = v;
                cov[j * dim + i] = v;
            }
        }
        let total_variance = (0..dim).map(|i| cov[i * dim + i]).sum();
        let (mut components, mut variance) = (Vec::new(), Vec::new());
        for c in 0..k.min(dim) {
            let (v, lambda) = top_eigenvector(&cov, dim, c);
            // Deflate: what is left has this direction removed.
            for i in 0..dim {
                for j in 0..dim {
                    cov[i * dim + j] -= lambda * v[i] * v[j];
                }
            }
            components.push(v);
            variance.push(lambda.max(0.0));
        }
        Pca { mean: mean.iter().map(|&m| m as f32).collect(), components, variance, total_variance }
    }

    /// The coordinates of one feature vector.
    pub fn project(&self, row: &[f32]) -> Vec<f32> {
        self.components
            .iter()
            .map(|c| {
                c.iter().zip(row.iter().zip(&self.mean)).map(|(w, (&x, &m))| w * f64::from(x - m)).sum::<f64>() as f32
            })
            .collect()
    }

    /// The coordinates of every row, `k` numbers each.
    pub fn project_all(&self, rows: &[f32]) -> Vec<f32> {
        rows.chunks_exact(self.mean.len().max(1)).flat_map(|r| self.project(r)).collect()
    }

    /// The share of the variance the fitted directions keep.
    pub fn explained(&self) -> f64 {
        if self.total_variance > 0.0 { self.variance.iter().sum::<f64>() / self.total_variance } else { 0.0 }
    }
}

/// The dominant eigenvector of the symmetric `cov` and its eigenvalue, by power iteration
/// from a start that differs per component (`seed`), so a deflated matrix is not started on
/// the direction just removed.
fn top_eigenvector(cov: &[f64], dim: usize, seed: usize) -> (Vec<f64>, f64) {
    let mut v: Vec<f64> = (0..dim).map(|i| 1.0 + ((i * 7 + seed * 13) % 11) as f64 / 11.0).collect();
    for _ in 0..ITERATIONS {
        let w: Vec<f64> = (0..dim).map(|i| (0..dim).map(|j| cov[i * dim + j] * v[j]).sum()).collect();
        let norm = w.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm == 0.0 {
            return (v.iter().map(|_| 0.0).collect(), 0.0);
        }
        v = w.iter().map(|x| x / norm).collect();
    }
    // The Rayleigh quotient: the eigenvalue with its sign.
    let av: f64 = (0..dim).map(|i| v[i] * (0..dim).map(|j| cov[i * dim + j] * v[j]).sum::<f64>()).sum();
    // One sign per direction, so maps of one model never flip between fits.
    let flip = v.iter().copied().fold(0.0, |big: f64, x| if x.abs() > big.abs() { x } else { big }) < 0.0;
    if flip {
        v.iter_mut().for_each(|x| *x = -*x);
    }
    (v, av)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Points `a·3·u + b·1·w + c·0.1·z` for an orthonormal u, w, z rotated off the axes: the
    /// components must be u then w, with variances in the ratio 9 : 1.
    #[test]
    fn recovers_a_known_decomposition() {
        let s = 1.0 / 2f64.sqrt();
        let u = [s, s, 0.0];
        let w = [-s, s, 0.0];
        let z = [0.0, 0.0, 1.0];
        let mut rows = Vec::new();
        // A deterministic spread: every combination of a, b, c in {-1, 0, 1}, shifted.
        for a in -1..=1 {
            for b in -1..=1 {
                for c in -1..=1 {
                    for d in 0..3 {
                        let (a, b, c) = (f64::from(a), f64::from(b), f64::from(c));
                        rows.push((5.0 + 3.0 * a * u[d] + b * w[d] + 0.1 * c * z[d]) as f32);
                    }
                }
            }
        }
        let pca = Pca::fit(&rows, 3, 2);
        let dot = |x: &[f64], y: &[f64; 3]| x.iter().zip(y).map(|(a, b)| a * b).sum::<f64>();
        assert!((dot(&pca.components[0], &u).abs() - 1.0).abs() < 1e-6, "{:?}", pca.components[0]);
        assert!((dot(&pca.components[1], &w).abs() - 1.0).abs() < 1e-6, "{:?}", pca.components[1]);
        // The inputs are f32: the ratio is 9 to about 1e-7.
        assert!((pca.variance[0] / pca.variance[1] - 9.0).abs() < 1e-4, "{:?}", pca.variance);
        assert!(pca.explained() > 0.99 && pca.explained() < 1.0);
        // The mean projects to the origin; a point along u to ±3 on the first axis.
        let mean = pca.project(&[5.0, 5.0, 5.0]);
        assert!(mean.iter().all(|x| x.abs() < 1e-5), "{mean:?}");
        let along = pca.project(&[(5.0 + 3.0 * s) as f32, (5.0 + 3.0 * s) as f32, 5.0]);
        assert!((along[0].abs() - 3.0).abs() < 1e-4 && along[1].abs() < 1e-4, "{along:?}");
        assert_eq!(pca.project_all(&rows).len(), 27 * 2);
    }
}
