//! Turns a drawing or a photo of any size into what the model knows: a light item on a black
//! 28x28 field that it fills, centred, as Fashion-MNIST's images were made (trimmed, longest
//! side scaled to 28, centred).
//!
//! Steps: grayscale; the background's lighting estimated from the picture's border and
//! subtracted (so a light, dark or unevenly lit background all become black); polarity chosen
//! so the item is light; a threshold (Otsu) for the item's extent; drawn outlines filled in
//! (a closed outline of a garment stands for the garment); crop, scale, centre.

use crate::dataset::{IMAGE_PIXELS, IMAGE_SIDE};

/// Largest picture taken, in pixels: 4096 x 4096 (64 MB as RGBA); the page scales uploads
/// well below this, so only a forged message reaches it.
pub const MAX_PIXELS: usize = 4096 * 4096;

/// Why a picture's pixels cannot be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PictureError {
    Empty { width: usize, height: usize },
    TooLarge { width: usize, height: usize },
    WrongLength { width: usize, height: usize, bytes: usize },
}

impl std::fmt::Display for PictureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            PictureError::Empty { width, height } => write!(f, "the picture is {width}x{height} pixels: it is empty"),
            PictureError::TooLarge { width, height } => write!(
                f,
                "the picture is {width}x{height} pixels, more than the {MAX_PIXELS} this page reads: scale it down"
            ),
            PictureError::WrongLength { width, height, bytes } => {
                write!(f, "a {width}x{height} picture needs {width}x{height}x4 bytes of RGBA, it came with {bytes}")
            }
        }
    }
}

impl std::error::Error for PictureError {}

/// A grayscale picture, values 0..1, row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct Gray {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<f32>,
}

impl Gray {
    pub fn new(width: usize, height: usize, pixels: Vec<f32>) -> Self {
        assert_eq!(pixels.len(), width * height, "one value per pixel");
        Self { width, height, pixels }
    }

    /// The same picture with `f` applied to every pixel.
    pub fn map(&self, f: impl Fn(f32) -> f32) -> Self {
        Self::new(self.width, self.height, self.pixels.iter().map(|&v| f(v)).collect())
    }

    /// From RGBA bytes (a canvas's `ImageData`, a decoded upload): luma, with transparent
    /// pixels taken as white paper, which is how a drawing canvas's untouched area looks.
    /// The sizes come from outside (a worker message), so they are checked, not trusted.
    pub fn from_rgba(width: usize, height: usize, rgba: &[u8]) -> Result<Self, PictureError> {
        let pixels = width.checked_mul(height).filter(|&p| p <= MAX_PIXELS);
        match pixels {
            _ if width == 0 || height == 0 => return Err(PictureError::Empty { width, height }),
            None => return Err(PictureError::TooLarge { width, height }),
            Some(p) if rgba.len() != p * 4 => {
                return Err(PictureError::WrongLength { width, height, bytes: rgba.len() });
            }
            Some(_) => {}
        }
        let pixels = rgba
            .chunks_exact(4)
            .map(|p| {
                let luma = (0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32) / 255.0;
                let alpha = p[3] as f32 / 255.0;
                luma * alpha + (1.0 - alpha)
            })
            .collect();
        Ok(Self { width, height, pixels })
    }

    fn at(&self, x: usize, y: usize) -> f32 {
        self.pixels[y * self.width + x]
    }

    /// Bilinear sample at a continuous position (pixel centres at integer + 0.5); outside
    /// the picture it is 0.
    fn sample(&self, x: f32, y: f32) -> f32 {
        let (fx, fy) = (x - 0.5, y - 0.5);
        let (x0, y0) = (fx.floor(), fy.floor());
        let (tx, ty) = (fx - x0, fy - y0);
        let get = |xi: f32, yi: f32| {
            if xi < 0.0 || yi < 0.0 || xi >= self.width as f32 || yi >= self.height as f32 {
                0.0
            } else {
                self.at(xi as usize, yi as usize)
            }
        };
        let top = get(x0, y0) * (1.0 - tx) + get(x0 + 1.0, y0) * tx;
        let bottom = get(x0, y0 + 1.0) * (1.0 - tx) + get(x0 + 1.0, y0 + 1.0) * tx;
        top * (1.0 - ty) + bottom * ty
    }
}

/// What the preprocessing saw, for display and tests.
#[derive(Clone, Debug, PartialEq)]
pub struct Prepared {
    /// The model's input: 784 pixels, item light on black.
    pub image: Vec<u8>,
    /// The item was dark on a light background, and was inverted.
    pub inverted: bool,
    /// The item was drawn as an outline, and its inside was filled.
    pub filled_outline: bool,
    /// Nothing stood out from the background (an empty canvas).
    pub empty: bool,
}

/// Largest side the work is done at: big photos are first reduced to this (area average), which
/// keeps the cost per stroke small and loses nothing a 28-pixel result could show.
const WORK_SIDE: usize = 256;

pub fn prepare(picture: &Gray) -> Prepared {
    let work = reduce(picture, WORK_SIDE);
    let (contrast, inverted) = flatten_background(&work);
    // The extent is found on a smoothed copy: sensor noise and JPEG's ringing in a faint picture
    // would otherwise reach half of Otsu's level below.
    let smooth = box_blur3(&contrast);
    let noise = border_noise(&smooth);
    let item = contrast.map(|v| v.max(0.0));
    let smooth = smooth.map(|v| v.max(0.0));
    let empty = || Prepared { image: vec![0; IMAGE_PIXELS], inverted, filled_outline: false, empty: true };
    // A thin faint pen stroke is a percent of a noisy picture, and Otsu's level then splits the
    // noise instead; the level never goes below where the noise alone would reach.
    let Some(threshold) = otsu(&smooth.pixels).map(|t| t.max(NOISE_LEVELS * noise)) else {
        return empty();
    };
    // The item's extent reaches into its faint parts (a dark garment's shadows on black):
    // half of Otsu's level, which still sits well above the flattened background's zero.
    let extent: Vec<bool> = smooth.pixels.iter().map(|&v| v > 0.5 * threshold).collect();
    let Some((x0, y0, x1, y1)) = bounding_box(&extent, item.width, item.height) else {
        return empty();
    };
    // Whether it is an outline is judged on the strokes as drawn, not widened by the smoothing;
    // a pixel brighter than its neighbourhood allows is noise, not ink.
    let mask: Vec<bool> =
        item.pixels.iter().zip(&smooth.pixels).map(|(&v, &s)| v > 0.5 * threshold && s > 0.25 * threshold).collect();
    let (crop, crop_mask) = cut(&item, &mask, x0, y0, x1, y1);
    let (crop, filled_outline) = fill_outline(crop, &crop_mask);
    Prepared { image: fit_to_frame(&crop), inverted, filled_outline, empty: false }
}

/// How many times the smoothed background's noise the item's level is at least: half of it,
/// the extent's level, leaves out all but a few noise pixels in a 256-pixel picture.
const NOISE_LEVELS: f32 = 13.0;

/// The spread of the background's noise (a robust standard deviation: 1.48 median absolute
/// deviations) in the border band, where `flatten_background` fitted the background.
fn border_noise(g: &Gray) -> f32 {
    let band = border_band(g.width, g.height);
    let mut values: Vec<f32> = (0..g.width * g.height)
        .filter(|&i| on_border(i % g.width, i / g.width, g.width, g.height, band))
        .map(|i| g.pixels[i])
        .collect();
    let median = |v: &mut Vec<f32>| {
        let mid = v.len() / 2;
        *v.select_nth_unstable_by(mid, f32::total_cmp).1
    };
    let centre = median(&mut values);
    let mut spread: Vec<f32> = values.iter().map(|v| (v - centre).abs()).collect();
    1.4826 * median(&mut spread)
}

/// The border band's width: the outer ~6% of the shorter side.
fn border_band(w: usize, h: usize) -> usize {
    ((w.min(h) as f32 * 0.06).ceil() as usize).max(1)
}

fn on_border(x: usize, y: usize, w: usize, h: usize, band: usize) -> bool {
    x < band || y < band || x + band >= w || y + band >= h
}

/// The mean over each pixel's 3x3 neighbourhood (clipped at the edges).
fn box_blur3(g: &Gray) -> Gray {
    let (w, h) = (g.width, g.height);
    let mut out = vec![0f32; w * h];
    for y in 0..h {
        for x in 0..w {
            let (mut sum, mut n) = (0f32, 0f32);
            for sy in y.saturating_sub(1)..(y + 2).min(h) {
                for sx in x.saturating_sub(1)..(x + 2).min(w) {
                    sum += g.pixels[sy * w + sx];
                    n += 1.0;
                }
            }
            out[y * w + x] = sum / n;
        }
    }
    Gray::new(w, h, out)
}

/// Area-average reduction so the longest side is at most `side`.
fn reduce(p: &Gray, side: usize) -> Gray {
    let longest = p.width.max(p.height);
    if longest <= side {
        return p.clone();
    }
    let scale = longest as f32 / side as f32;
    let (w, h) =
        (((p.width as f32 / scale).round() as usize).max(1), ((p.height as f32 / scale).round() as usize).max(1));
    let mut out = vec![0f32; w * h];
    for (y, row) in out.chunks_exact_mut(w).enumerate() {
        let (sy0, sy1) = ((y as f32 * scale) as usize, (((y + 1) as f32 * scale) as usize).clamp(1, p.height));
        for (x, o) in row.iter_mut().enumerate() {
            let (sx0, sx1) = ((x as f32 * scale) as usize, (((x + 1) as f32 * scale) as usize).clamp(1, p.width));
            let (mut sum, mut n) = (0f32, 0usize);
            for sy in sy0.min(sy1 - 1)..sy1 {
                for sx in sx0.min(sx1 - 1)..sx1 {
                    sum += p.at(sx, sy);
                    n += 1;
                }
            }
            *o = sum / n as f32;
        }
    }
    Gray::new(w, h, out)
}

/// Fits a quadratic surface `a + bx + cy + dxy + ex² + fy²` to the border band (the outer
/// ~6% of each side, where the background is), subtracts it, and turns the difference so the
/// item is light: the result is about 0 on the background (its noise either way) and grows with
/// contrast to it.
fn flatten_background(p: &Gray) -> (Gray, bool) {
    let band = border_band(p.width, p.height);
    let (w, h) = (p.width as f32, p.height as f32);
    let terms = |x: usize, y: usize| {
        let (u, v) = ((x as f32 + 0.5) / w - 0.5, (y as f32 + 0.5) / h - 0.5);
        [1.0, u, v, u * v, u * u, v * v]
    };
    // Normal equations of the least-squares fit, in f64: 6x6, solved by Gaussian elimination.
    let mut ata = [[0f64; 6]; 6];
    let mut atb = [0f64; 6];
    for y in 0..p.height {
        for x in 0..p.width {
            if !on_border(x, y, p.width, p.height, band) {
                continue;
            }
            let t = terms(x, y);
            for i in 0..6 {
                for j in 0..6 {
                    ata[i][j] += (t[i] * t[j]) as f64;
                }
                atb[i] += (t[i] * p.at(x, y)) as f64;
            }
        }
    }
    let coef = solve6(ata, atb);
    let diff: Vec<f32> = (0..p.height)
        .flat_map(|y| (0..p.width).map(move |x| (x, y)))
        .map(|(x, y)| {
            let t = terms(x, y);
            let bg: f64 = t.iter().zip(&coef).map(|(&a, &b)| a as f64 * b).sum();
            p.at(x, y) - bg as f32
        })
        .collect();
    // Polarity: whichever side of the background the strongest contrast lies on.
    let mut sorted = diff.clone();
    sorted.sort_by(f32::total_cmp);
    // The 0.2% tails: a fine pen outline covers only a percent or two of a large picture.
    let low = sorted[sorted.len() / 500];
    let high = sorted[sorted.len() - 1 - sorted.len() / 500];
    let inverted = -low > high;
    let item = diff.iter().map(|&d| if inverted { -d } else { d }).collect();
    (Gray::new(p.width, p.height, item), inverted)
}

/// Solves a 6x6 system; a singular one (a picture too small to fit) gives the mean alone.
fn solve6(mut a: [[f64; 6]; 6], mut b: [f64; 6]) -> [f64; 6] {
    for col in 0..6 {
        let pivot = (col..6).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs())).unwrap();
        if a[pivot][col].abs() < 1e-9 {
            let n = a[0][0].max(1.0);
            let mut out = [0.0; 6];
            out[0] = b[0] / n;
            return out;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        let pivot_row = a[col];
        for row in 0..6 {
            if row != col {
                let f = a[row][col] / pivot_row[col];
                for (v, p) in a[row].iter_mut().zip(pivot_row).skip(col) {
                    *v -= f * p;
                }
                b[row] -= f * b[col];
            }
        }
    }
    std::array::from_fn(|i| b[i] / a[i][i])
}

/// Otsu's threshold over 64 bins of `values` (0 and up); `None` when nothing stands out from
/// the background (an empty canvas, a blank photo).
fn otsu(values: &[f32]) -> Option<f32> {
    let max = values.iter().copied().fold(0.0, f32::max);
    if max < 0.08 {
        return None;
    }
    const BINS: usize = 64;
    let mut hist = [0f64; BINS];
    for &v in values {
        hist[((v / max) * (BINS - 1) as f32).round() as usize] += 1.0;
    }
    let total: f64 = hist.iter().sum();
    let sum_all: f64 = hist.iter().enumerate().map(|(i, &c)| i as f64 * c).sum();
    let (mut w0, mut sum0, mut best, mut best_t) = (0f64, 0f64, -1f64, 1usize);
    for (t, &c) in hist.iter().enumerate().take(BINS - 1) {
        w0 += c;
        sum0 += t as f64 * c;
        let w1 = total - w0;
        if w0 == 0.0 || w1 == 0.0 {
            continue;
        }
        let (m0, m1) = (sum0 / w0, (sum_all - sum0) / w1);
        let between = w0 * w1 * (m0 - m1).powi(2);
        if between > best {
            best = between;
            best_t = t;
        }
    }
    // A faint threshold would let lighting noise into the item's extent.
    Some(((best_t as f32 + 0.5) / (BINS - 1) as f32 * max).max(0.15 * max))
}

/// The box holding the mask, ignoring rows and columns with only a stray pixel or two (noise,
/// dust on a scan): `(x0, y0, x1, y1)`, exclusive ends.
fn bounding_box(mask: &[bool], w: usize, h: usize) -> Option<(usize, usize, usize, usize)> {
    let count: usize = mask.iter().filter(|&&m| m).count();
    if count == 0 {
        return None;
    }
    let rows: Vec<usize> = (0..h).map(|y| mask[y * w..(y + 1) * w].iter().filter(|&&m| m).count()).collect();
    let cols: Vec<usize> = (0..w).map(|x| (0..h).filter(|&y| mask[y * w + x]).count()).collect();
    // Trim at most 0.25% of the mask's pixels from each end: stray specks, not a faint edge.
    let span = |counts: &[usize]| {
        let budget = count / 400;
        let (mut lo, mut cut) = (0, 0);
        while lo < counts.len() && cut + counts[lo] <= budget {
            cut += counts[lo];
            lo += 1;
        }
        let (mut hi, mut cut) = (counts.len(), 0);
        while hi > lo && cut + counts[hi - 1] <= budget {
            cut += counts[hi - 1];
            hi -= 1;
        }
        (lo, hi)
    };
    let ((x0, x1), (y0, y1)) = (span(&cols), span(&rows));
    (x1 > x0 && y1 > y0).then_some((x0, y0, x1, y1))
}

fn cut(item: &Gray, mask: &[bool], x0: usize, y0: usize, x1: usize, y1: usize) -> (Gray, Vec<bool>) {
    let (w, h) = (x1 - x0, y1 - y0);
    let mut pixels = Vec::with_capacity(w * h);
    let mut m = Vec::with_capacity(w * h);
    for y in y0..y1 {
        pixels.extend_from_slice(&item.pixels[y * item.width + x0..y * item.width + x1]);
        m.extend_from_slice(&mask[y * item.width + x0..y * item.width + x1]);
    }
    // Intensity scaled so the item's bright end is 1, as in the dataset's images.
    let mut sorted = pixels.clone();
    sorted.sort_by(f32::total_cmp);
    let top = sorted[sorted.len() - 1 - sorted.len() / 100].max(1e-6);
    pixels.iter_mut().for_each(|v| *v = (*v / top).min(1.0));
    (Gray::new(w, h, pixels), m)
}

/// A drawn outline: thin strokes enclosing a large region. The enclosed region (what a flood
/// fill from the border cannot reach, after closing small gaps in the strokes) is filled at the
/// mid-gray of a typical Fashion-MNIST garment; a solid item is left as it is.
fn fill_outline(mut crop: Gray, mask: &[bool]) -> (Gray, bool) {
    let (w, h) = (crop.width, crop.height);
    let ink = mask.iter().filter(|&&m| m).count();
    // An outline is thin strokes around a sizeable enclosed region. Two signs, both needed:
    // eroding the ink by a twentieth of the item's size leaves next to nothing of a pen stroke
    // (under 0.5% in every outline tried; a sandal's straps keep ~5%, a striped coat ~14%,
    // plain garments 45-75%), and the enclosed area is over a quarter of the ink (outlines
    // 35-230%, the sandal's the least; an open drawing of trousers 13%). Kept strict on
    // purpose: filling a solid item's holes turns a sandal into a shoe, while an outline left
    // unfilled still has the garment's shape.
    let core = eroded_count(mask, w, h, (w.max(h) / 20).max(1));
    if core * 50 >= ink {
        return (crop, false);
    }
    let side = w.max(h) as f32;
    for share in CLOSING {
        let inside = enclosed(mask, w, h, (side * share).ceil().max(1.0) as usize);
        if inside.len() * 4 > ink && inside.len() * 10 > w * h {
            for i in inside {
                crop.pixels[i] = crop.pixels[i].max(OUTLINE_FILL);
            }
            return (crop, true);
        }
    }
    (crop, false)
}

/// Gap-closing radii tried in turn, as shares of the item's longer side: a stroke drawn by
/// hand leaves gaps where the pen lifted, a small radius keeps concave parts (between trouser
/// legs, under a sleeve) open where it closes the gaps.
const CLOSING: [f32; 2] = [1.0 / 40.0, 1.0 / 16.0];

/// The pixels off the strokes that a disc of radius `r` cannot reach from the border: the
/// strokes thickened by `r` close gaps up to `2r`, and the outside grows back by as much, so the
/// thickening itself never counts as enclosed (an open drawing has no inside).
fn enclosed(mask: &[bool], w: usize, h: usize, r: usize) -> Vec<usize> {
    let outside = reachable_from_border(&box_any(mask, w, h, r), w, h);
    let near_outside = box_any(&outside, w, h, r);
    (0..w * h).filter(|&i| !near_outside[i] && !mask[i]).collect()
}

/// The pixels reachable from the picture's border without crossing `wall` (4-connected).
pub(crate) fn reachable_from_border(wall: &[bool], w: usize, h: usize) -> Vec<bool> {
    let mut reached = vec![false; w * h];
    let mut stack: Vec<usize> =
        (0..w).flat_map(|x| [x, (h - 1) * w + x]).chain((0..h).flat_map(|y| [y * w, y * w + w - 1])).collect();
    while let Some(i) = stack.pop() {
        if reached[i] || wall[i] {
            continue;
        }
        reached[i] = true;
        let (x, y) = (i % w, i / w);
        if x > 0 {
            stack.push(i - 1);
        }
        if x + 1 < w {
            stack.push(i + 1);
        }
        if y > 0 {
            stack.push(i - w);
        }
        if y + 1 < h {
            stack.push(i + w);
        }
    }
    reached
}

/// Whether each pixel's (2r+1)² neighbourhood (clipped to the picture) holds any set pixel.
fn box_any(set: &[bool], w: usize, h: usize, r: usize) -> Vec<bool> {
    let sums = SummedArea::new(set, w, h);
    (0..w * h)
        .map(|i| {
            let (x, y) = (i % w, i / w);
            sums.count(x.saturating_sub(r), y.saturating_sub(r), x + r + 1, y + r + 1) > 0
        })
        .collect()
}

/// Pixels of `mask` whose whole (2r+1)² neighbourhood is in the mask.
fn eroded_count(mask: &[bool], w: usize, h: usize, r: usize) -> usize {
    let sums = SummedArea::new(mask, w, h);
    (0..w * h).filter(|&i| sums.covers(i % w, i / w, r)).count()
}

/// A summed-area table of a mask: how many pixels of any box are set, in four look-ups
/// whatever the box's size.
pub struct SummedArea {
    width: usize,
    height: usize,
    /// `(width + 1) * (height + 1)`: set pixels above and left of each corner.
    sums: Vec<u32>,
}

impl SummedArea {
    /// `mask`: `width * height` pixels, row-major.
    pub fn new(mask: &[bool], width: usize, height: usize) -> Self {
        assert_eq!(mask.len(), width * height, "one value per pixel");
        let stride = width + 1;
        let mut sums = vec![0u32; stride * (height + 1)];
        for y in 0..height {
            let mut row = 0;
            for x in 0..width {
                row += mask[y * width + x] as u32;
                sums[(y + 1) * stride + x + 1] = sums[y * stride + x + 1] + row;
            }
        }
        Self { width, height, sums }
    }

    /// Set pixels in columns `x0..x1` of rows `y0..y1`; the box is clipped to the mask.
    pub fn count(&self, x0: usize, y0: usize, x1: usize, y1: usize) -> u32 {
        let (x1, y1) = (x1.min(self.width), y1.min(self.height));
        if x0 >= x1 || y0 >= y1 {
            return 0;
        }
        let at = |x: usize, y: usize| self.sums[y * (self.width + 1) + x];
        at(x1, y1) + at(x0, y0) - at(x0, y1) - at(x1, y0)
    }

    /// Whether the (2r+1)² square centred on (`x`, `y`) lies inside the picture and is all set.
    pub fn covers(&self, x: usize, y: usize, r: usize) -> bool {
        let inside = x >= r && y >= r && x + r < self.width && y + r < self.height;
        inside && self.count(x - r, y - r, x + r + 1, y + r + 1) as usize == (2 * r + 1) * (2 * r + 1)
    }
}

/// Fill level of an outline's inside: about the median brightness of garment pixels in
/// Fashion-MNIST, so the model sees a plain garment rather than a bright blob.
pub const OUTLINE_FILL: f32 = 0.55;

/// Scales `crop` so its longest side is 28 pixels and centres it on a black 28x28 field.
fn fit_to_frame(crop: &Gray) -> Vec<u8> {
    let side = IMAGE_SIDE as f32;
    let scale = side / crop.width.max(crop.height) as f32;
    let (w, h) = (crop.width as f32 * scale, crop.height as f32 * scale);
    let (ox, oy) = ((side - w) / 2.0, (side - h) / 2.0);
    // Each output pixel averages a 4x4 grid of bilinear samples of its footprint in the crop.
    const SUB: usize = 4;
    let mut out = vec![0u8; IMAGE_PIXELS];
    for y in 0..IMAGE_SIDE {
        for x in 0..IMAGE_SIDE {
            let mut sum = 0f32;
            for sy in 0..SUB {
                for sx in 0..SUB {
                    let px = x as f32 + (sx as f32 + 0.5) / SUB as f32;
                    let py = y as f32 + (sy as f32 + 0.5) / SUB as f32;
                    let (cx, cy) = ((px - ox) / scale, (py - oy) / scale);
                    if cx >= 0.0 && cy >= 0.0 && cx < crop.width as f32 && cy < crop.height as f32 {
                        sum += crop.sample(cx, cy);
                    }
                }
            }
            out[y * IMAGE_SIDE + x] = ((sum / (SUB * SUB) as f32) * 255.0).round().clamp(0.0, 255.0) as u8;
        }
    }
    out
}
