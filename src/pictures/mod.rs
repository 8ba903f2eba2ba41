//! Made-up pictures of real Fashion-MNIST items, to measure how the sketch pad and the upload
//! do on the pictures people give them, and to train on: a photo on unevenly lit paper; a
//! filled silhouette, either polarity; a pen outline, traced exactly or redrawn as a hand does
//! it. Every parameter of a picture is drawn for it ([`Style`]) from one of two families of
//! ranges: [`Family::Training`], which training may use, and [`Family::HeldOut`], ranges next to
//! those and never trained on, which stand for the users nobody has seen.

mod contour;
mod raster;

use rand::{Rng, SeedableRng};

use crate::dataset::IMAGE_SIDE;
use crate::sketch::Gray;
pub use contour::{Hand, boundaries, hand_drawn};
pub use raster::{blurred, compose, enlarged, jpeg_artefacts, outline, polyline, resized, rotated};

/// What a picture shows of the item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The item photographed on paper: reflectance `1 - pixel` (the dataset's images are
    /// negated product photos on white), times the light.
    Photo,
    /// The item's silhouette filled with one colour, maybe textured.
    Silhouette,
    /// The silhouette's boundary drawn with a pen.
    Outline,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Photo, Kind::Silhouette, Kind::Outline];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Photo => "photo",
            Kind::Silhouette => "silhouette",
            Kind::Outline => "outline",
        }
    }
}

/// Which ranges a picture's parameters are drawn from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Training,
    HeldOut,
}

impl Family {
    pub const ALL: [Family; 2] = [Family::Training, Family::HeldOut];

    pub fn name(self) -> &'static str {
        match self {
            Family::Training => "training family",
            Family::HeldOut => "held-out family",
        }
    }
}

/// The texture of a silhouette's fill.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Texture {
    /// Grain: independent noise of this amplitude per pixel.
    Grain(f32),
    /// Stripes (a knit, a print): this amplitude, period in pixels, direction in radians.
    Stripes { amplitude: f32, period: f32, angle: f32 },
}

/// Every parameter of one picture.
#[derive(Clone, Debug, PartialEq)]
pub struct Style {
    pub kind: Kind,
    pub dark_on_light: bool,
    pub width: usize,
    pub height: usize,
    /// The item's box as a share of the picture's shorter side (the margins).
    pub item_share: f32,
    pub rotation: f32,
    /// Silhouettes and outlines: the dataset level (0..255) above which a pixel is the item;
    /// a high one leaves faint parts out.
    pub threshold: u8,
    /// Silhouettes and outlines: morphological closing of the mask, in quarters of an item
    /// pixel.
    pub closing: usize,
    /// Contrast between the item and the paper.
    pub fill: f32,
    pub texture: Texture,
    /// Outlines: the pen's width as a share of the item's side.
    pub pen: f32,
    /// Outlines: redrawn by hand, or (None) the exact edge.
    pub hand: Option<Hand>,
    /// Gaussian blur, in picture pixels.
    pub blur: f32,
    /// JPEG compression at this quality, or none.
    pub jpeg: Option<u32>,
    /// How much darker the far side of the light gradient is.
    pub light_drop: f32,
    /// The paper's brightness: white to tinted or grey.
    pub paper: f32,
    /// Sensor noise amplitude.
    pub noise: f32,
}

/// A number from `train`, or for the held-out family from one of `held` (each a range next to
/// the training one, so the held-out pictures are neither easier nor out of this world).
fn pick(rng: &mut impl Rng, family: Family, train: (f32, f32), held: &[(f32, f32)]) -> f32 {
    let (lo, hi) = match family {
        Family::Training => train,
        Family::HeldOut => held[rng.random_range(0..held.len())],
    };
    if hi > lo { rng.random_range(lo..hi) } else { lo }
}

impl Style {
    /// A random style of `kind` from `family`'s ranges; pictures 160 to 480 pixels a side.
    pub fn draw(kind: Kind, family: Family, rng: &mut impl Rng) -> Style {
        Style::draw_sized(kind, family, (160, 480), rng)
    }

    /// As [`Style::draw`], in pictures of `sides.0` to `sides.1` pixels a side.
    pub fn draw_sized(kind: Kind, family: Family, sides: (usize, usize), rng: &mut impl Rng) -> Style {
        let f = family;
        let held = f == Family::HeldOut;
        let (width, height) = (rng.random_range(sides.0..=sides.1), rng.random_range(sides.0..=sides.1));
        let rotation = pick(rng, f, (-6.0, 6.0), &[(-10.0, -6.0), (6.0, 10.0)]).to_radians();
        let texture = if held {
            Texture::Stripes {
                amplitude: rng.random_range(0.03..0.1),
                period: rng.random_range(4.0..12.0),
                angle: rng.random_range(0.0..std::f32::consts::PI),
            }
        } else {
            Texture::Grain(rng.random_range(0.0..0.08))
        };
        let hand = if kind == Kind::Outline && (held || rng.random_bool(0.5)) {
            Some(Hand {
                jitter: pick(rng, f, (0.05, 0.3), &[(0.3, 0.45)]),
                gap: pick(rng, f, (0.0, 0.03), &[(0.03, 0.06)]),
                overshoot: pick(rng, f, (0.0, 1.0), &[(1.0, 1.5)]),
            })
        } else {
            None
        };
        let jpeg = if held {
            Some(rng.random_range(25..40))
        } else if rng.random_bool(0.5) {
            Some(rng.random_range(40..95))
        } else {
            None
        };
        Style {
            kind,
            dark_on_light: kind != Kind::Silhouette || rng.random_bool(0.5),
            width,
            height,
            item_share: pick(rng, f, (0.45, 0.85), &[(0.35, 0.45), (0.85, 0.95)]),
            rotation,
            threshold: pick(rng, f, (5.0, 40.0), &[(40.0, 60.0)]) as u8,
            closing: if held { rng.random_range(2..=3) } else { rng.random_range(0..=1) },
            fill: pick(rng, f, (0.6, 0.95), &[(0.45, 0.6)]),
            texture,
            pen: pick(rng, f, (0.015, 0.035), &[(0.01, 0.015), (0.035, 0.05)]),
            hand,
            blur: pick(rng, f, (0.0, 1.0), &[(1.0, 2.0)]),
            jpeg,
            light_drop: pick(rng, f, (0.0, 0.3), &[(0.3, 0.45)]),
            paper: pick(rng, f, (0.85, 1.0), &[(0.75, 0.85)]),
            noise: pick(rng, f, (0.0, 0.03), &[(0.03, 0.045)]),
        }
    }
}

/// The item's mask at `threshold`: reached from the border through what is below it, so a
/// garment's dark inner parts stay in.
pub fn mask(img: &[u8], threshold: u8) -> Vec<bool> {
    let ink: Vec<bool> = img.iter().map(|&p| p > threshold).collect();
    crate::sketch::reachable_from_border(&ink, IMAGE_SIDE, IMAGE_SIDE).iter().map(|&o| !o).collect()
}

/// The dataset level above which a pixel is the item in [`silhouette`]: pure background is 0.
const SILHOUETTE_LEVEL: u8 = 5;

/// The item's silhouette: every pixel not reachable from the border through pure background
/// (dark parts of a garment are not), which is what a pen outline of it goes around.
pub fn silhouette(img: &[u8]) -> Vec<bool> {
    mask(img, SILHOUETTE_LEVEL)
}

/// How much finer than the dataset's grid masks are closed and outlines traced, so that a
/// closing can be smaller than a dataset pixel and narrow gaps (between two legs) survive.
const FINE: usize = 4;

/// `mask` (28x28) enlarged [`FINE`] times and closed (dilated, then eroded) by `radius` fine
/// pixels.
pub fn fine_mask(mask: &[bool], radius: usize) -> (Vec<bool>, usize) {
    let bytes: Vec<u8> = mask.iter().map(|&v| if v { 255 } else { 0 }).collect();
    let fine = enlarged(&bytes, FINE as f32);
    let side = fine.width;
    let m: Vec<bool> = fine.pixels.iter().map(|&c| c > 0.5).collect();
    if radius == 0 {
        return (m, side);
    }
    // `grow(m, true)` dilates, `grow(m, false)` erodes; outside the picture is background.
    let grow = |m: &[bool], value: bool| -> Vec<bool> {
        let r = radius as isize;
        (0..side * side)
            .map(|i| {
                let (x, y) = ((i % side) as isize, (i / side) as isize);
                let hit = (-r..=r).any(|dy| {
                    (-r..=r).any(|dx| {
                        let (nx, ny) = (x + dx, y + dy);
                        let inside = (0..side as isize).contains(&nx) && (0..side as isize).contains(&ny);
                        let v = inside && m[ny as usize * side + nx as usize];
                        v == value
                    })
                });
                if value { hit } else { !hit }
            })
            .collect()
    };
    (grow(&grow(&m, true), false), side)
}

/// The item's coverage (0..1) at `side` pixels, before rotation.
fn item_coverage(img: &[u8], style: &Style, side: f32, rng: &mut impl Rng) -> Gray {
    let scale = side / IMAGE_SIDE as f32;
    if style.kind == Kind::Photo {
        return enlarged(img, scale);
    }
    // A hand draws the whole item as it sees it: the threshold and the closing, artefacts of
    // cutting a silhouette out, do not apply to it.
    let (threshold, closing) =
        if style.hand.is_some() { (SILHOUETTE_LEVEL, 0) } else { (style.threshold, style.closing) };
    let (fine, fine_side) = fine_mask(&mask(img, threshold), closing);
    let as_gray = Gray::new(fine_side, fine_side, fine.iter().map(|&v| v as u8 as f32).collect());
    let filled = resized(&as_gray, side.round().max(1.0) as usize);
    if style.kind == Kind::Silhouette {
        return filled;
    }
    let pen = (side * style.pen).max(1.0);
    match style.hand {
        None => outline(&filled, pen.round().max(1.0) as usize),
        Some(hand) => {
            let mut g = Gray::new(filled.width, filled.height, vec![0.0; filled.width * filled.height]);
            let s = filled.width as f32 / fine_side as f32;
            for part in boundaries(&fine, fine_side, fine_side, 4 * FINE * FINE) {
                for stroke in hand_drawn(&part, FINE, hand, rng) {
                    let scaled: Vec<(f32, f32)> = stroke.iter().map(|&(x, y)| (x * s, y * s)).collect();
                    polyline(&mut g, &scaled, pen);
                }
            }
            g
        }
    }
}

/// The picture of `img` (a 28x28 dataset image) that `style` describes.
pub fn render_style(img: &[u8], style: &Style, rng: &mut impl Rng) -> Gray {
    let (w, h) = (style.width, style.height);
    let side = (w.min(h) as f32 * style.item_share).max(IMAGE_SIDE as f32);
    let item = rotated(&item_coverage(img, style, side, rng), style.rotation);
    let left = rng.random_range(0..=w - item.width.min(w));
    let top = rng.random_range(0..=h - item.height.min(h));
    // Light: a linear gradient in a random direction, as a phone photo of paper has.
    let angle = rng.random_range(0.0..std::f32::consts::TAU);
    let (dx, dy) = (angle.cos() / w.max(h) as f32, angle.sin() / w.max(h) as f32);
    let drop = style.light_drop;
    let light = move |x: usize, y: usize| 1.0 - drop * (0.5 + (x as f32 * dx + y as f32 * dy)).clamp(0.0, 1.0);
    let (bright, dark) = (style.paper, (style.paper - style.fill).max(0.0));
    let texture = style.texture;
    let mut grain = rand::rngs::SmallRng::seed_from_u64(rng.random());
    let mut texture_at = move |x: usize, y: usize| match texture {
        Texture::Grain(a) => grain.random_range(-a..=a),
        Texture::Stripes { amplitude, period, angle } => {
            let t = (x as f32 * angle.cos() + y as f32 * angle.sin()) * std::f32::consts::TAU / period;
            amplitude * t.sin()
        }
    };
    // Outlines and photos are always dark on light paper.
    let mut picture = match (style.kind, style.dark_on_light) {
        (Kind::Photo, _) => compose(&item, w, h, left, top, |x, y, c| light(x, y) * bright * (1.0 - c)),
        (_, true) => compose(&item, w, h, left, top, |x, y, c| light(x, y) * (bright * (1.0 - c) + dark * c)),
        (_, false) => {
            let (paper, ink) = (1.0 - bright, (1.0 - bright + style.fill).min(1.0));
            compose(&item, w, h, left, top, |x, y, c| paper * (1.0 - c) + light(x, y) * ink * c)
        }
    };
    if style.kind == Kind::Silhouette {
        add_texture(&mut picture, &item, left, top, &mut texture_at);
    }
    // A blur wider than the pen would erase a fine line rather than soften it.
    let blur = if style.kind == Kind::Outline { style.blur.min(0.5 * side * style.pen) } else { style.blur };
    picture = blurred(&picture, blur);
    let mut noise = rand::rngs::SmallRng::seed_from_u64(rng.random());
    if style.noise > 0.0 {
        picture
            .pixels
            .iter_mut()
            .for_each(|v| *v = (*v + noise.random_range(-style.noise..style.noise)).clamp(0.0, 1.0));
    }
    if let Some(q) = style.jpeg {
        jpeg_artefacts(&mut picture, q);
    }
    picture
}

/// Adds the fill's texture where the item covers the picture.
fn add_texture(out: &mut Gray, item: &Gray, left: usize, top: usize, texture_at: &mut impl FnMut(usize, usize) -> f32) {
    for y in 0..item.height.min(out.height - top) {
        for x in 0..item.width.min(out.width - left) {
            let c = item.pixels[y * item.width + x];
            if c > 0.0 {
                let v = &mut out.pixels[(y + top) * out.width + x + left];
                *v = (*v + c * texture_at(x + left, y + top)).clamp(0.0, 1.0);
            }
        }
    }
}

/// A random picture of `img` of `kind` from `family`.
pub fn render(img: &[u8], kind: Kind, family: Family, rng: &mut impl Rng) -> Gray {
    let style = Style::draw(kind, family, rng);
    render_style(img, &style, rng)
}
