//! The feature map's layout: data coordinates to canvas pixels (the same scale on both axes,
//! so distances on the map are distances in the projection), and the point under the pointer.

/// Where `[x, y]` points go on a `width × height` canvas, `margin` pixels in.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScatterLayout {
    /// Data units per pixel.
    scale: f64,
    /// The data point at the canvas' centre.
    centre: (f64, f64),
    size: (f64, f64),
}

impl ScatterLayout {
    /// Fits all of `points` (x, y pairs) inside the canvas; an empty or single point set gets
    /// a unit square.
    pub fn fit(points: &[f32], (width, height): (f64, f64), margin: f64) -> Self {
        let (mut lo, mut hi) = ((f64::INFINITY, f64::INFINITY), (f64::NEG_INFINITY, f64::NEG_INFINITY));
        for p in points.chunks_exact(2) {
            let (x, y) = (f64::from(p[0]), f64::from(p[1]));
            if x.is_finite() && y.is_finite() {
                lo = (lo.0.min(x), lo.1.min(y));
                hi = (hi.0.max(x), hi.1.max(y));
            }
        }
        if !lo.0.is_finite() {
            (lo, hi) = ((-1.0, -1.0), (1.0, 1.0));
        }
        let span =
            ((hi.0 - lo.0) / (width - 2.0 * margin).max(1.0)).max((hi.1 - lo.1) / (height - 2.0 * margin).max(1.0));
        let scale = if span > 0.0 { span } else { 1.0 };
        ScatterLayout { scale, centre: ((lo.0 + hi.0) / 2.0, (lo.1 + hi.1) / 2.0), size: (width, height) }
    }

    /// The pixel of a data point (y up).
    pub fn to_pixel(&self, x: f32, y: f32) -> (f64, f64) {
        (
            self.size.0 / 2.0 + (f64::from(x) - self.centre.0) / self.scale,
            self.size.1 / 2.0 - (f64::from(y) - self.centre.1) / self.scale,
        )
    }

    /// The point of `points` nearest to pixel `(px, py)`, if within `radius` pixels.
    pub fn nearest(&self, points: &[f32], (px, py): (f64, f64), radius: f64) -> Option<usize> {
        let mut best = None;
        let mut best_d = radius * radius;
        for (i, p) in points.chunks_exact(2).enumerate() {
            let (x, y) = self.to_pixel(p[0], p[1]);
            let d = (x - px).powi(2) + (y - py).powi(2);
            if d <= best_d {
                best_d = d;
                best = Some(i);
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_the_points_with_one_scale_and_finds_the_nearest() {
        // A 4 × 2 box on a 220 × 120 canvas, 10 px margin: 200/4 = 50 px, 100/2 = 50 px a unit.
        let points = [0.0, 0.0, 4.0, 2.0, 2.0, 1.0];
        let l = ScatterLayout::fit(&points, (220.0, 120.0), 10.0);
        assert_eq!(l.to_pixel(0.0, 0.0), (10.0, 110.0));
        assert_eq!(l.to_pixel(4.0, 2.0), (210.0, 10.0));
        assert_eq!(l.to_pixel(2.0, 1.0), (110.0, 60.0));
        assert_eq!(l.nearest(&points, (112.0, 58.0), 6.0), Some(2));
        assert_eq!(l.nearest(&points, (160.0, 60.0), 6.0), None);
        // A taller box keeps the aspect: the narrow axis is centred.
        let tall = ScatterLayout::fit(&[0.0, 0.0, 1.0, 4.0], (220.0, 120.0), 10.0);
        assert_eq!(tall.to_pixel(0.5, 2.0), (110.0, 60.0));
        assert_eq!(tall.to_pixel(0.0, 4.0).1, 10.0);
        assert_eq!(ScatterLayout::fit(&[], (100.0, 100.0), 0.0).to_pixel(0.0, 0.0), (50.0, 50.0));
    }
}
