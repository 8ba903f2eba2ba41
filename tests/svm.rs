//! Pegasos, the feature maps and the λ search, on synthetic problems whose answers are known.
#![cfg(not(target_arch = "wasm32"))]

use fashion_cnn::dataset::NUM_CLASSES;
use fashion_cnn::svm::{
    FeatureMap, Fit, FourierFeatures, Kernel, LinearSvm, Pegasos, PegasosConfig, Rows, Standardizer, SvmOptions,
    argmax, dot,
};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// `per_class` points around each of ten centres in `dim` dimensions; `spread` is the noise.
fn blobs(per_class: usize, dim: usize, spread: f32, seed: u64) -> (Vec<f32>, Vec<u8>) {
    let mut rng = SmallRng::seed_from_u64(seed);
    let centres: Vec<Vec<f32>> =
        (0..NUM_CLASSES).map(|_| (0..dim).map(|_| rng.random_range(-1.0..1.0)).collect()).collect();
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for i in 0..per_class * NUM_CLASSES {
        let c = i % NUM_CLASSES;
        x.extend(centres[c].iter().map(|&m| m + spread * rng.random_range(-1.0f32..1.0)));
        y.push(c as u8);
    }
    (x, y)
}

fn accuracy(svm: &LinearSvm, rows: &Rows, labels: &[u8]) -> f64 {
    fashion_cnn::metrics::accuracy(&svm.predict_rows(rows), labels)
}

#[test]
fn pegasos_separates_separable_classes() {
    let (x, y) = blobs(40, 8, 0.05, 1);
    let map = FeatureMap::fit(Kernel::Linear, &x, 8, 0);
    let rows = map.apply_all(&x, |_| {});
    let config = PegasosConfig { lambda: 1e-4, epochs: 20, batch_size: 8, project: true, seed: 3, average: true };
    let mut run = Pegasos::new(config, &rows, &y, (0..y.len()).collect());
    assert!(run.run(usize::MAX));
    let svm = run.into_svm();
    assert_eq!(accuracy(&svm, &rows, &y), 1.0, "ten well-separated blobs are all classified right");
    // Separated with margin: every training point scores its own class above 1 and the others below -1
    // is too strong for SGD's last iterate, but its own class must win by a clear gap.
    let mut xr = vec![0f32; rows.dim()];
    for i in 0..rows.len() {
        rows.row(i, &mut xr);
        let s = svm.scores(&xr);
        let own = s[y[i] as usize];
        let other = s.iter().enumerate().filter(|(c, _)| *c != y[i] as usize).map(|(_, v)| *v).fold(f32::MIN, f32::max);
        assert!(own - other > 0.5, "row {i}: own {own}, best other {other}");
    }
}

/// The exact optimum of one binary problem `min λ/2|w|² + 1/n Σ max(0, 1 - y w·x)` (x with a
/// constant 1 appended, as Pegasos' bias), by dual coordinate descent (Hsieh et al. 2008).
fn dual_cd(rows: &Rows, labels: &[u8], class: usize, lambda: f64) -> Vec<f64> {
    let (n, d) = (rows.len(), rows.dim() + 1);
    let c = 1.0 / (lambda * n as f64);
    let xs: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            let mut r = vec![0f32; d - 1];
            rows.row(i, &mut r);
            r.iter().map(|&v| v as f64).chain([1.0]).collect()
        })
        .collect();
    let ys: Vec<f64> = labels.iter().map(|&l| if l as usize == class { 1.0 } else { -1.0 }).collect();
    let (mut alpha, mut w) = (vec![0f64; n], vec![0f64; d]);
    for _ in 0..2000 {
        for i in 0..n {
            let q: f64 = xs[i].iter().map(|v| v * v).sum();
            let g = ys[i] * xs[i].iter().zip(&w).map(|(a, b)| a * b).sum::<f64>() - 1.0;
            let new = (alpha[i] - g / q).clamp(0.0, c);
            let delta = new - alpha[i];
            alpha[i] = new;
            for (wj, xj) in w.iter_mut().zip(&xs[i]) {
                *wj += delta * ys[i] * xj;
            }
        }
    }
    w
}

#[test]
fn pegasos_objective_falls_and_reaches_the_exact_optimum() {
    // Overlapping classes, so the hinge terms matter and the optimum is not trivial.
    let (x, y) = blobs(20, 5, 1.2, 7);
    let rows = FeatureMap::fit(Kernel::Linear, &x, 5, 0).apply_all(&x, |_| {});
    let all: Vec<usize> = (0..y.len()).collect();
    let lambda = 1e-2;

    let reference = LinearSvm {
        dim: rows.dim(),
        weights: (0..NUM_CLASSES).flat_map(|c| dual_cd(&rows, &y, c, lambda)).map(|v| v as f32).collect(),
    };
    let optimum = reference.objective(&rows, &y, &all, lambda);

    let config = PegasosConfig { lambda, epochs: 400, batch_size: 10, project: true, seed: 5, average: true };
    let mut run = Pegasos::new(config, &rows, &y, all.clone());
    let mut objectives = Vec::new();
    for _ in 0..4 {
        run.run(run.iterations_total() / 4);
        objectives.push(run.svm().objective(&rows, &y, &all, lambda));
    }
    run.run(usize::MAX);
    let last = run.svm().objective(&rows, &y, &all, lambda);
    assert!(objectives[0] > last, "objective falls: {objectives:?} then {last}");
    assert!(last >= optimum - 1e-3, "no solution beats the exact optimum: {last} < {optimum}");
    assert!((last - optimum) / optimum < 0.02, "Pegasos {last} vs exact optimum {optimum}");
}

#[test]
fn without_projection_pegasos_still_converges() {
    let (x, y) = blobs(20, 5, 1.2, 7);
    let rows = FeatureMap::fit(Kernel::Linear, &x, 5, 0).apply_all(&x, |_| {});
    let all: Vec<usize> = (0..y.len()).collect();
    let config = PegasosConfig { lambda: 1e-2, epochs: 400, batch_size: 10, project: false, seed: 5, average: false };
    let mut run = Pegasos::new(config, &rows, &y, all.clone());
    let first = {
        run.run(1);
        run.svm().objective(&rows, &y, &all, 1e-2)
    };
    run.run(usize::MAX);
    assert!(run.svm().objective(&rows, &y, &all, 1e-2) < first);
}

#[test]
fn standardizer_centres_and_scales_to_unit_norm() {
    let (x, _) = blobs(50, 16, 0.5, 2);
    let x: Vec<f32> = x.iter().map(|v| v * 30.0 + 7.0).collect();
    let s = Standardizer::fit(&x, 16);
    let mut out = vec![0f32; 16];
    let (mut sum, mut norm2) = (vec![0f64; 16], 0.0);
    for row in x.chunks_exact(16) {
        s.apply(row, &mut out);
        for (a, &v) in sum.iter_mut().zip(&out) {
            *a += v as f64;
        }
        norm2 += dot(&out, &out) as f64;
    }
    let n = (x.len() / 16) as f64;
    assert!(sum.iter().all(|v| (v / n).abs() < 1e-4), "mean zero: {sum:?}");
    assert!((norm2 / n - 1.0).abs() < 1e-3, "mean squared norm 1, got {}", norm2 / n);

    // A constant feature (a dead ReLU) is dropped instead of dividing by zero.
    let constant = [1.0f32, 5.0, 2.0, 5.0, 3.0, 5.0];
    let s = Standardizer::fit(&constant, 2);
    assert_eq!(s.scale[1], 0.0);
    assert!(s.scale[0].is_finite() && s.scale[0] > 0.0);
}

#[test]
fn fourier_features_approximate_the_rbf_kernel() {
    let gamma = 0.5f32;
    let map = FeatureMap {
        standardizer: Standardizer { mean: vec![0.0; 4], scale: vec![1.0; 4] },
        fourier: Some(FourierFeatures::new(4, 8192, gamma, 9)),
    };
    let mut rng = SmallRng::seed_from_u64(4);
    for _ in 0..20 {
        let a: Vec<f32> = (0..4).map(|_| rng.random_range(-1.0..1.0)).collect();
        let b: Vec<f32> = (0..4).map(|_| rng.random_range(-1.0..1.0)).collect();
        let d2: f32 = a.iter().zip(&b).map(|(x, y)| (x - y).powi(2)).sum();
        let exact = (-gamma * d2).exp();
        let approx = dot(&map.apply(&a), &map.apply(&b));
        assert!((approx - exact).abs() < 0.05, "k = {exact}, approximation {approx}");
    }
}

#[test]
fn quantised_rows_match_the_exact_map() {
    let (x, _) = blobs(3, 6, 0.3, 5);
    let map = FeatureMap::fit(Kernel::Rbf { dim: 256, gamma: 1.0 }, &x, 6, 1);
    let rows = map.apply_all(&x, |_| {});
    assert!(matches!(rows, Rows::Cosines { .. }));
    assert_eq!((rows.len(), rows.dim()), (30, 256));
    let mut q = vec![0f32; 256];
    for (i, row) in x.chunks_exact(6).enumerate() {
        rows.row(i, &mut q);
        let exact = map.apply(row);
        let worst = exact.iter().zip(&q).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
        assert!(worst <= (2.0f32 / 256.0).sqrt() / 254.0 + 1e-6, "rounding error {worst}");
    }
}

#[test]
fn rbf_kernel_separates_what_a_linear_one_cannot() {
    // Class 0 inside a ring, class 1 on the ring: no line separates them, the RBF kernel does.
    let mut rng = SmallRng::seed_from_u64(8);
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for i in 0..600 {
        let inner = i % 2 == 0;
        let r = if inner { rng.random_range(0.0..0.5) } else { rng.random_range(1.0..1.5) };
        let a = rng.random_range(0.0..std::f32::consts::TAU);
        x.extend([r * a.cos(), r * a.sin()]);
        y.push(if inner { 0 } else { 1 });
    }
    let fit = |kernel| {
        let rows = FeatureMap::fit(kernel, &x, 2, 3).apply_all(&x, |_| {});
        let options = SvmOptions { kernel, lambda: Some(1e-4), ..SvmOptions::default() };
        let mut fit = Fit::new(&rows, &y, options);
        while !fit.step(500) {}
        accuracy(&fit.finish().0, &rows, &y)
    };
    let linear = fit(Kernel::Linear);
    let rbf = fit(Kernel::Rbf { dim: 512, gamma: 1.0 });
    assert!(linear < 0.8, "a line cannot separate a disc from a ring: {linear}");
    assert!(rbf > 0.97, "RBF features do: {rbf}");
}

#[test]
fn lambda_search_scores_the_grid_and_keeps_the_best() {
    let (x, y) = blobs(60, 6, 0.6, 11);
    let rows = FeatureMap::fit(Kernel::Linear, &x, 6, 0).apply_all(&x, |_| {});
    let grid = vec![1e-5, 1e-3, 1e-1, 10.0];
    let options = SvmOptions { kernel: Kernel::Linear, grid: grid.clone(), ..SvmOptions::default() };
    let mut fit = Fit::new(&rows, &y, options);
    let mut last = 0.0;
    let mut steps = 0;
    while !fit.step(10) {
        assert!(fit.progress() >= last && fit.progress() < 1.0);
        last = fit.progress();
        steps += 1;
    }
    assert!(steps > 10, "the fit is done in many small slices");
    assert_eq!(fit.progress(), 1.0);
    let scores = fit.scores().to_vec();
    assert_eq!(scores.iter().map(|s| s.lambda).collect::<Vec<_>>(), grid);
    let best = scores.iter().map(|s| s.accuracy).fold(0.0, f64::max);
    let chosen = fit.best_lambda();
    assert_eq!(scores.iter().find(|s| s.lambda == chosen).unwrap().accuracy, best);
    assert!(scores.iter().any(|s| s.accuracy < best), "the grid's λs differ: {scores:?}");
    let (svm, lambda) = fit.finish();
    assert_eq!(lambda, chosen);
    let train = accuracy(&svm, &rows, &y);
    assert!(train > 0.8 && train > best - 0.05, "refitted on all rows: {train}, validation {scores:?}");
}

#[test]
fn a_fixed_lambda_skips_the_search() {
    let (x, y) = blobs(20, 4, 0.3, 12);
    let rows = FeatureMap::fit(Kernel::Linear, &x, 4, 0).apply_all(&x, |_| {});
    let mut fit =
        Fit::new(&rows, &y, SvmOptions { kernel: Kernel::Linear, lambda: Some(3e-3), ..SvmOptions::default() });
    assert!(!fit.is_searching());
    while !fit.step(1000) {}
    assert!(fit.scores().is_empty());
    assert_eq!(fit.finish().1, 3e-3);
}

#[test]
fn argmax_gives_ties_to_the_first_and_never_picks_nan() {
    assert_eq!(argmax(&[0.1, 0.7, 0.7, 0.2]), 1);
    assert_eq!(argmax(&[0.5; NUM_CLASSES]), 0);
    assert_eq!(argmax(&[-0.0, 0.0]), 0, "equal numbers, though their bits differ");
    assert_eq!(argmax(&[f32::NAN, 0.2, 0.9, 0.9]), 2);
    assert_eq!(argmax(&[0.2, f32::NAN, 0.1]), 0);
    assert_eq!(argmax(&[f32::NEG_INFINITY, f32::NEG_INFINITY, -1e30]), 2);
    assert_eq!(argmax(&[f32::NEG_INFINITY; 3]), 0);
    assert_eq!(argmax(&[f32::NAN, f32::NAN]), 0, "no number: the first class");
    assert_eq!(argmax(&[]), 0);
    // The SVM with nothing learnt scores every class alike: the first one.
    let blank = LinearSvm { dim: 2, weights: vec![0.0; NUM_CLASSES * 3] };
    assert_eq!(blank.predict(&[1.0, -1.0]), 0);
}

/// Classes of one's own beside the ten: labels 10 and 11 get classifiers of their own, are
/// told apart like the ten, and dropping one leaves every other classifier as it was.
#[test]
fn the_svm_takes_classes_beyond_the_ten_and_drops_one_cleanly() {
    let (mut x, mut y) = blobs(30, 8, 0.05, 5);
    let mut rng = SmallRng::seed_from_u64(9);
    // Outside the ten's cube, on opposite sides: one-vs-rest separable.
    for (extra, at) in [(10u8, 2.0f32), (11, -2.0)] {
        let centre = [at; 8];
        for _ in 0..30 {
            x.extend(centre.iter().map(|&m| m + 0.05 * rng.random_range(-1.0f32..1.0)));
            y.push(extra);
        }
    }
    let map = FeatureMap::fit(Kernel::Linear, &x, 8, 0);
    let rows = map.apply_all(&x, |_| {});
    let pegasos = PegasosConfig { lambda: 1e-4, epochs: 20, batch_size: 8, project: true, seed: 3, average: true };
    let mut fit = Fit::new(&rows, &y, SvmOptions { lambda: Some(1e-4), pegasos, ..SvmOptions::default() });
    while !fit.step(1000) {}
    let (svm, _) = fit.finish();
    assert_eq!(svm.classes(), NUM_CLASSES + 2);
    assert_eq!(accuracy(&svm, &rows, &y), 1.0);
    let predicted = svm.predict_rows(&rows);
    assert!(predicted.iter().filter(|&&p| p == 11).count() == 30, "class 11 is predicted for its own points");
    let without = svm.without_class(10);
    assert_eq!(without.classes(), NUM_CLASSES + 1);
    let mut xr = vec![0f32; rows.dim()];
    rows.row(0, &mut xr);
    let (all, fewer) = (svm.scores(&xr), without.scores(&xr));
    assert_eq!(&fewer[..10], &all[..10]);
    assert_eq!(fewer[10], all[11]);
}
