//! The picture operations the generator is made of: enlarging a 28x28 image, placing an item
//! in a picture, a pen band along an edge, thick polylines, rotation, blur and JPEG's 8x8
//! block quantisation.

use crate::dataset::IMAGE_SIDE;
use crate::sketch::{Gray, SummedArea};

/// `img` (a 28x28 dataset image) bilinearly enlarged `scale` times, as coverage 0..1.
pub fn enlarged(img: &[u8], scale: f32) -> Gray {
    let side = ((IMAGE_SIDE as f32 * scale).round() as usize).max(1);
    let g = Gray::new(IMAGE_SIDE, IMAGE_SIDE, img.iter().map(|&v| v as f32 / 255.0).collect());
    resized(&g, side)
}

/// `g` bilinearly resized to `side` x `side` (`g` is square).
pub fn resized(g: &Gray, side: usize) -> Gray {
    let scale = side as f32 / g.width as f32;
    let n = g.width;
    let p = |x: usize, y: usize| g.pixels[y * n + x];
    let mut out = vec![0f32; side * side];
    for y in 0..side {
        let sy = ((y as f32 + 0.5) / scale - 0.5).clamp(0.0, (n - 1) as f32);
        let (y0, ty) = (sy.floor() as usize, sy.fract());
        let y1 = (y0 + 1).min(n - 1);
        for x in 0..side {
            let sx = ((x as f32 + 0.5) / scale - 0.5).clamp(0.0, (n - 1) as f32);
            let (x0, tx) = (sx.floor() as usize, sx.fract());
            let x1 = (x0 + 1).min(n - 1);
            out[y * side + x] =
                (p(x0, y0) * (1.0 - tx) + p(x1, y0) * tx) * (1.0 - ty) + (p(x0, y1) * (1.0 - tx) + p(x1, y1) * tx) * ty;
        }
    }
    Gray::new(side, side, out)
}

/// Places `item` (coverage 0..1) with its top-left at (`left`, `top`) in a `w`x`h` picture:
/// `paint(x, y, coverage)` gives each pixel's value (coverage 0 outside the item).
pub fn compose(
    item: &Gray,
    w: usize,
    h: usize,
    left: usize,
    top: usize,
    paint: impl Fn(usize, usize, f32) -> f32,
) -> Gray {
    let mut pixels = vec![0f32; w * h];
    for y in 0..h {
        for x in 0..w {
            let inside = x >= left && y >= top && x - left < item.width && y - top < item.height;
            let c = if inside { item.pixels[(y - top) * item.width + x - left] } else { 0.0 };
            pixels[y * w + x] = paint(x, y, c);
        }
    }
    Gray::new(w, h, pixels)
}

/// The inner band, `width` pixels wide, of a coverage map thresholded at one half: a pen stroke
/// along its boundary.
pub fn outline(item: &Gray, width: usize) -> Gray {
    let (w, h) = (item.width, item.height);
    let mask: Vec<bool> = item.pixels.iter().map(|&c| c > 0.5).collect();
    // On the band: mask pixels within `width` of the background or of the picture's edge.
    let sums = SummedArea::new(&mask, w, h);
    let pixels = (0..w * h).map(|i| if mask[i] && !sums.covers(i % w, i / w, width) { 1.0 } else { 0.0 }).collect();
    Gray::new(w, h, pixels)
}

/// Draws `stroke` (points in pixels) into `g` as a pen `width` pixels wide with round ends,
/// anti-aliased: each pixel's coverage is the largest over the segments.
pub fn polyline(g: &mut Gray, stroke: &[(f32, f32)], width: f32) {
    let r = width / 2.0;
    for pair in stroke.windows(2) {
        let ((ax, ay), (bx, by)) = (pair[0], pair[1]);
        let x0 = ((ax.min(bx) - r - 1.0).floor().max(0.0)) as usize;
        let y0 = ((ay.min(by) - r - 1.0).floor().max(0.0)) as usize;
        let x1 = ((ax.max(bx) + r + 1.0).ceil().max(0.0) as usize).min(g.width);
        let y1 = ((ay.max(by) + r + 1.0).ceil().max(0.0) as usize).min(g.height);
        let (dx, dy) = (bx - ax, by - ay);
        let len2 = (dx * dx + dy * dy).max(1e-6);
        for y in y0..y1 {
            for x in x0..x1 {
                let (px, py) = (x as f32 + 0.5 - ax, y as f32 + 0.5 - ay);
                let t = ((px * dx + py * dy) / len2).clamp(0.0, 1.0);
                let d = ((px - t * dx).powi(2) + (py - t * dy).powi(2)).sqrt();
                let c = (r + 0.5 - d).clamp(0.0, 1.0);
                let v = &mut g.pixels[y * g.width + x];
                *v = v.max(c);
            }
        }
    }
}

/// `item` turned by `angle` radians about its centre, in a picture just big enough to hold it
/// (bilinear; coverage 0 where nothing was).
pub fn rotated(item: &Gray, angle: f32) -> Gray {
    if angle == 0.0 {
        return item.clone();
    }
    let (sin, cos) = angle.sin_cos();
    let (w, h) = (item.width as f32, item.height as f32);
    let ow = (w * cos.abs() + h * sin.abs()).ceil() as usize;
    let oh = (w * sin.abs() + h * cos.abs()).ceil() as usize;
    let (icx, icy, ocx, ocy) = (w / 2.0, h / 2.0, ow as f32 / 2.0, oh as f32 / 2.0);
    let at = |x: isize, y: isize| {
        if x < 0 || y < 0 || x >= item.width as isize || y >= item.height as isize {
            0.0
        } else {
            item.pixels[y as usize * item.width + x as usize]
        }
    };
    let mut out = vec![0f32; ow * oh];
    for y in 0..oh {
        for x in 0..ow {
            let (rx, ry) = (x as f32 + 0.5 - ocx, y as f32 + 0.5 - ocy);
            // The inverse rotation finds where the output pixel comes from.
            let sx = cos * rx + sin * ry + icx - 0.5;
            let sy = -sin * rx + cos * ry + icy - 0.5;
            let (x0, y0) = (sx.floor(), sy.floor());
            let (tx, ty) = (sx - x0, sy - y0);
            let (x0, y0) = (x0 as isize, y0 as isize);
            out[y * ow + x] = (at(x0, y0) * (1.0 - tx) + at(x0 + 1, y0) * tx) * (1.0 - ty)
                + (at(x0, y0 + 1) * (1.0 - tx) + at(x0 + 1, y0 + 1) * tx) * ty;
        }
    }
    Gray::new(ow, oh, out)
}

/// A Gaussian blur of standard deviation `sigma` pixels (separable, edges clamped).
pub fn blurred(g: &Gray, sigma: f32) -> Gray {
    if sigma < 0.3 {
        return g.clone();
    }
    let radius = (3.0 * sigma).ceil() as isize;
    let kernel: Vec<f32> = (-radius..=radius).map(|i| (-(i * i) as f32 / (2.0 * sigma * sigma)).exp()).collect();
    let total: f32 = kernel.iter().sum();
    let kernel: Vec<f32> = kernel.iter().map(|k| k / total).collect();
    let pass = |src: &[f32], w: usize, h: usize, horizontal: bool| -> Vec<f32> {
        let mut out = vec![0f32; w * h];
        for y in 0..h {
            for x in 0..w {
                let mut s = 0.0;
                for (k, i) in kernel.iter().zip(-radius..=radius) {
                    let (sx, sy) = if horizontal {
                        ((x as isize + i).clamp(0, w as isize - 1) as usize, y)
                    } else {
                        (x, (y as isize + i).clamp(0, h as isize - 1) as usize)
                    };
                    s += k * src[sy * w + sx];
                }
                out[y * w + x] = s;
            }
        }
        out
    };
    let rows = pass(&g.pixels, g.width, g.height, true);
    Gray::new(g.width, g.height, pass(&rows, g.width, g.height, false))
}

/// JPEG's standard luminance quantisation table (quality 50).
const JPEG_LUMA: [f32; 64] = [
    16., 11., 10., 16., 24., 40., 51., 61., 12., 12., 14., 19., 26., 58., 60., 55., 14., 13., 16., 24., 40., 57., 69.,
    56., 14., 17., 22., 29., 51., 87., 80., 62., 18., 22., 37., 56., 68., 109., 103., 77., 24., 35., 55., 64., 81.,
    104., 113., 92., 49., 64., 78., 87., 103., 121., 120., 101., 72., 92., 95., 98., 112., 100., 103., 99.,
];

/// What a JPEG encoder at `quality` (1..100, libjpeg's scaling of the table) does to the
/// picture's luminance: each 8x8 block's cosine transform quantised and transformed back, which
/// gives JPEG's blocking and ringing (there is no chroma in a grayscale picture).
pub fn jpeg_artefacts(g: &mut Gray, quality: u32) {
    let quality = quality.clamp(1, 100) as f32;
    let scale = if quality < 50.0 { 5000.0 / quality } else { 200.0 - 2.0 * quality } / 100.0;
    let table: Vec<f32> = JPEG_LUMA.iter().map(|q| (q * scale).clamp(1.0, 255.0)).collect();
    let basis: Vec<f32> = (0..64)
        .map(|i| {
            let (u, x) = (i / 8, i % 8);
            let c = if u == 0 { (0.125f32).sqrt() } else { 0.5 };
            c * ((2 * x + 1) as f32 * u as f32 * std::f32::consts::PI / 16.0).cos()
        })
        .collect();
    let inverse: Vec<f32> = (0..64).map(|i| basis[(i % 8) * 8 + i / 8]).collect();
    let (w, h) = (g.width, g.height);
    for by in (0..h).step_by(8) {
        for bx in (0..w).step_by(8) {
            let mut block = [0f32; 64];
            for (i, b) in block.iter_mut().enumerate() {
                let (x, y) = ((bx + i % 8).min(w - 1), (by + i / 8).min(h - 1));
                *b = g.pixels[y * w + x] * 255.0 - 128.0;
            }
            // Separable: along the rows, then along the columns; back through the transpose.
            let mut coeff = apply(&basis, &apply(&basis, &block, true), false);
            for (c, q) in coeff.iter_mut().zip(&table) {
                *c = (*c / q).round() * q;
            }
            let back = apply(&inverse, &apply(&inverse, &coeff, false), true);
            for (i, v) in back.iter().enumerate() {
                let (x, y) = (bx + i % 8, by + i / 8);
                if x < w && y < h {
                    g.pixels[y * w + x] = ((v + 128.0) / 255.0).clamp(0.0, 1.0);
                }
            }
        }
    }
}

/// The 8x8 matrix `m` applied to each row of `b` (`along_rows`) or to each column.
fn apply(m: &[f32], b: &[f32; 64], along_rows: bool) -> [f32; 64] {
    std::array::from_fn(|k| {
        let (r, c) = (k / 8, k % 8);
        (0..8).map(|i| if along_rows { m[c * 8 + i] * b[r * 8 + i] } else { m[r * 8 + i] * b[i * 8 + c] }).sum()
    })
}
