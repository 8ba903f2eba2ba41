//! Made-up pictures of real Fashion-MNIST items, to measure how the sketch pad and the upload
//! do on the kinds of input people give them: a photo on light, unevenly lit paper; a filled
//! silhouette, light on dark or dark on light; a pen outline. Each is placed at a random
//! position and scale in a picture of random size. The native tests and the native command's
//! `--pictures` measurement both draw from here.

use rand::{Rng, SeedableRng};

pub use crate::augment::silhouette;
use crate::dataset::IMAGE_SIDE;
use crate::sketch::{Gray, SummedArea};

/// The kinds of test picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The item photographed on light paper under uneven light: reflectance `1 - pixel` (the
    /// dataset's images are negated product photos on white), times a lighting gradient.
    Photo,
    /// The item's silhouette filled with one flat colour; `dark_on_light` picks the polarity.
    Silhouette { dark_on_light: bool },
    /// The silhouette's boundary drawn with a dark pen on white paper.
    Outline,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::Photo,
        Kind::Silhouette { dark_on_light: false },
        Kind::Silhouette { dark_on_light: true },
        Kind::Outline,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Photo => "photo on uneven light paper",
            Kind::Silhouette { dark_on_light: false } => "silhouette, light on dark",
            Kind::Silhouette { dark_on_light: true } => "silhouette, dark on light",
            Kind::Outline => "pen outline",
        }
    }
}

/// `img` (a 28x28 dataset image) bilinearly enlarged `scale` times, as coverage 0..1.
pub fn enlarged(img: &[u8], scale: f32) -> Gray {
    let side = ((IMAGE_SIDE as f32 * scale).round() as usize).max(1);
    let scale = side as f32 / IMAGE_SIDE as f32;
    let p = |x: usize, y: usize| img[y * IMAGE_SIDE + x] as f32 / 255.0;
    let mut out = vec![0f32; side * side];
    for y in 0..side {
        let sy = ((y as f32 + 0.5) / scale - 0.5).clamp(0.0, (IMAGE_SIDE - 1) as f32);
        let (y0, ty) = (sy.floor() as usize, sy.fract());
        let y1 = (y0 + 1).min(IMAGE_SIDE - 1);
        for x in 0..side {
            let sx = ((x as f32 + 0.5) / scale - 0.5).clamp(0.0, (IMAGE_SIDE - 1) as f32);
            let (x0, tx) = (sx.floor() as usize, sx.fract());
            let x1 = (x0 + 1).min(IMAGE_SIDE - 1);
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

/// A random picture of `img` of the given kind: 160 to 480 pixels a side, the item's box 35% to
/// 90% of the picture's shorter side, anywhere inside it.
pub fn render(img: &[u8], kind: Kind, rng: &mut impl Rng) -> Gray {
    let (w, h) = (rng.random_range(160..=480usize), rng.random_range(160..=480usize));
    let side = (w.min(h) as f32 * rng.random_range(0.35..0.9f32)).max(IMAGE_SIDE as f32);
    let scale = side / IMAGE_SIDE as f32;
    let item = match kind {
        Kind::Photo => enlarged(img, scale),
        Kind::Silhouette { .. } | Kind::Outline => {
            let mask: Vec<u8> = silhouette(img).iter().map(|&m| if m { 255 } else { 0 }).collect();
            let filled = enlarged(&mask, scale);
            if kind == Kind::Outline {
                // A pen of 1.5% to 4% of the item's size: a fine liner to a thick marker.
                let pen = ((side * rng.random_range(0.015..0.04f32)).round() as usize).max(1);
                outline(&filled, pen)
            } else {
                filled
            }
        }
    };
    let left = rng.random_range(0..=w - item.width.min(w));
    let top = rng.random_range(0..=h - item.height.min(h));
    // Lighting: a linear gradient in a random direction plus noise, as a phone photo has.
    let (base, drop) = (rng.random_range(0.8..1.0f32), rng.random_range(0.0..0.4f32));
    let angle = rng.random_range(0.0..std::f32::consts::TAU);
    let (dx, dy) = (angle.cos() / w.max(h) as f32, angle.sin() / w.max(h) as f32);
    let light = move |x: usize, y: usize| base - drop * (0.5 + (x as f32 * dx + y as f32 * dy)).clamp(0.0, 1.0);
    let (ink, paper) = (rng.random_range(0.0..0.2f32), rng.random_range(0.85..1.0f32));
    let mut noise = rand::rngs::SmallRng::seed_from_u64(rng.random());
    let mut picture = match kind {
        Kind::Photo => compose(&item, w, h, left, top, |x, y, c| light(x, y) * (1.0 - c)),
        Kind::Silhouette { dark_on_light: true } | Kind::Outline => {
            compose(&item, w, h, left, top, |_, _, c| paper * (1.0 - c) + ink * c)
        }
        Kind::Silhouette { dark_on_light: false } => {
            compose(&item, w, h, left, top, |_, _, c| ink * (1.0 - c) + paper * c)
        }
    };
    if kind == Kind::Photo {
        picture.pixels.iter_mut().for_each(|v| *v = (*v + noise.random_range(-0.03..0.03f32)).clamp(0.0, 1.0));
    }
    picture
}
