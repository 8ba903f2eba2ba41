//! Colour scales of the page's pictures.

/// A CSS colour, `rgba(r,g,b,a)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rgba {
    pub r: u8,
    pub g: u8,
    pub b: u8,
    /// 0..1
    pub a: f64,
}

impl Rgba {
    pub const fn new(r: u8, g: u8, b: u8, a: f64) -> Self {
        Rgba { r, g, b, a }
    }

    pub fn css(&self) -> String {
        format!("rgba({},{},{},{})", self.r, self.g, self.b, self.a)
    }
}

/// One colour per class (the feature map's points, the ROC curves), distinct on white.
pub const CLASS_COLOURS: [(u8, u8, u8); 10] = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
];

// ---- Confusion matrix ------------------------------------------------------------------------

/// Right answers (the diagonal) in blue, wrong ones in red.
pub const CONFUSION_RIGHT: Rgba = Rgba::new(36, 86, 200, 1.0);
pub const CONFUSION_WRONG: Rgba = Rgba::new(208, 69, 43, 1.0);

/// The share of its row (the true class) a cell holds; an empty row counts as one image so
/// that its cells read 0.
pub fn confusion_fraction(count: u32, row_sum: u32) -> f64 {
    f64::from(count) / f64::from(row_sum.max(1))
}

/// A cell's colour: the diagonal always tinted, deeper as more of the class is right; a
/// wrong cell red, full from a third of the row on, so that small confusions still show.
pub fn confusion_cell(count: u32, row_sum: u32, diagonal: bool) -> Rgba {
    let f = confusion_fraction(count, row_sum);
    if diagonal {
        Rgba { a: 0.1 + 0.9 * f, ..CONFUSION_RIGHT }
    } else {
        Rgba { a: (3.0 * f).min(1.0), ..CONFUSION_WRONG }
    }
}

/// The count's colour: white on a deep cell (over half the row), else near-black.
pub fn confusion_text(count: u32, row_sum: u32) -> &'static str {
    if confusion_fraction(count, row_sum) > 0.5 { "#fff" } else { "#222" }
}

// ---- The pad's pictures: first-layer filters, activation maps, the occlusion heatmap --------
// (appended by the "pad" helper)

/// A value stored into a canvas's `Uint8ClampedArray` after `Math.round`: 0..255, NaN as 0.
fn clamped_byte(x: f64) -> u8 {
    if x.is_nan() { 0 } else { super::format::js_round(x.clamp(0.0, 255.0)) as u8 }
}

/// The one scale of all first-layer filters, so their strengths compare: the largest magnitude.
pub fn filter_scale(values: &[f32]) -> f64 {
    values.iter().fold(1e-9, |m, &v| f64::max(m, f64::from(v).abs()))
}

/// A filter weight divided by [`filter_scale`] (-1..1): blue negative, white 0, red positive.
pub fn filter_rgb(v: f64) -> (u8, u8, u8) {
    let r = if v > 0.0 { 255.0 } else { 255.0 * (1.0 + v) };
    let b = if v < 0.0 { 255.0 } else { 255.0 * (1.0 - v) };
    let g = 255.0 * (1.0 - v.abs());
    (clamped_byte(r), clamped_byte(g), clamped_byte(b))
}

/// Grey pixels (0..255) as opaque RGBA.
pub fn gray_rgba(pixels: &[u8]) -> Vec<u8> {
    pixels.iter().flat_map(|&v| [v, v, v, 255]).collect()
}

/// The occlusion heatmap over the picture: the picture dimmed to 60 % grey, blended towards
/// red by the heat (0..1) of each pixel. One RGBA pixel per pixel of `image`.
pub fn heat_rgba(image: &[u8], heat: &[f32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 * image.len());
    for (i, &p) in image.iter().enumerate() {
        let g = f64::from(p) * 0.6;
        let h = heat.get(i).map_or(f64::NAN, |&h| f64::from(h));
        let mix = |to: f64| clamped_byte(g * (1.0 - h) + to * h);
        out.extend([mix(255.0), mix(40.0), mix(40.0), 255]);
    }
    out
}

/// Maps (and filters) per row of the pad's grids.
pub const MAP_COLUMNS: usize = 8;
/// The map (or filter) under a point of a [`MAP_COLUMNS`]-wide grid of `count` that fills its
/// canvas, the point given as fractions (0..1) of the canvas' width and height.
pub fn grid_index(fx: f64, fy: f64, count: usize) -> Option<usize> {
    let rows = count.div_ceil(MAP_COLUMNS);
    if !(0.0..1.0).contains(&fx) || !(0.0..1.0).contains(&fy) {
        return None;
    }
    let k = (fy * rows as f64) as usize * MAP_COLUMNS + (fx * MAP_COLUMNS as f64) as usize;
    (k < count).then_some(k)
}

/// White space between two activation maps, in pixels.
const MAP_GAP: usize = 2;

/// Activation maps laid out [`MAP_COLUMNS`] to a row with white gaps, each on its own scale
/// (black 0, white its maximum).
#[derive(Clone, Debug, PartialEq)]
pub struct MapGrid {
    pub width: usize,
    pub height: usize,
    pub rgba: Vec<u8>,
}

/// `count` maps of `side` x `side` values, one after another, as a [`MapGrid`].
pub fn map_grid(values: &[f32], side: usize, count: usize) -> MapGrid {
    let rows = count.div_ceil(MAP_COLUMNS);
    let (width, height) = (MAP_COLUMNS * (side + MAP_GAP), rows * (side + MAP_GAP));
    let mut rgba = vec![255u8; 4 * width * height];
    let area = side * side;
    for k in 0..count {
        let map = values.get(k * area..(k + 1) * area).unwrap_or(&[]);
        let max = map.iter().fold(1e-9, |m, &v| f64::max(m, f64::from(v)));
        let (ox, oy) = ((k % MAP_COLUMNS) * (side + MAP_GAP), (k / MAP_COLUMNS) * (side + MAP_GAP));
        for (i, &v) in map.iter().enumerate() {
            let grey = clamped_byte(255.0 * f64::from(v).max(0.0) / max);
            let p = 4 * ((oy + i / side) * width + ox + i % side);
            rgba[p..p + 3].fill(grey);
        }
    }
    MapGrid { width, height, rgba }
}
