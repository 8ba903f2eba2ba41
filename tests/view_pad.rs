//! The pad's pure parts: the upload's header check and sizes, the answer's bars, and the
//! colours of the filters, activation maps and heatmap.

use fashion_cnn::view::bars::{Scale, TOP, probability_label, score_label, top_bars};
use fashion_cnn::view::colour::{filter_rgb, filter_scale, gray_rgba, grid_index, heat_rgba, map_grid};
use fashion_cnn::view::picture::{
    MAX_UPLOAD_BYTES, PictureKind, PictureSize, UploadError, check_file_size, check_header, letterbox, picture_size,
    scaled_size,
};

fn png(width: u32, height: u32) -> Vec<u8> {
    let mut b = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13];
    b.extend(b"IHDR");
    b.extend(width.to_be_bytes());
    b.extend(height.to_be_bytes());
    b.extend([8, 2, 0, 0, 0]);
    b
}

fn sized(width: u32, height: u32, kind: PictureKind) -> Option<PictureSize> {
    Some(PictureSize { width, height, kind })
}

#[test]
fn png_header() {
    assert_eq!(picture_size(&png(640, 480)), sized(640, 480, PictureKind::Png));
    assert_eq!(picture_size(&png(12_000, 12_000)), sized(12_000, 12_000, PictureKind::Png));
    // Cut before the height: not enough to tell.
    assert_eq!(picture_size(&png(640, 480)[..23]), None);
}

/// A JPEG segment: marker and payload, the length counting itself.
fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
    let mut s = vec![0xff, marker];
    s.extend(((payload.len() + 2) as u16).to_be_bytes());
    s.extend(payload);
    s
}

fn frame(width: u16, height: u16) -> Vec<u8> {
    let mut f = vec![8];
    f.extend(height.to_be_bytes());
    f.extend(width.to_be_bytes());
    f.extend([3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
    f
}

#[test]
fn jpeg_segments_are_walked_to_the_frame_header() {
    let mut b = vec![0xff, 0xd8];
    b.extend(segment(0xe0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
    b.extend(segment(0xdb, &[0; 65]));
    // A huffman table (0xc4) is in the SOF range but not a frame header; fill bytes are skipped.
    b.extend(segment(0xc4, &[0xc0; 30]));
    b.extend([0xff, 0xff]);
    b.extend(segment(0xc2, &frame(1920, 1080)));
    b.extend(segment(0xda, &[0; 10]));
    assert_eq!(picture_size(&b), sized(1920, 1080, PictureKind::Jpeg));
    // SOF0, straight after the start of image.
    let mut base = vec![0xff, 0xd8];
    base.extend(segment(0xc0, &frame(28, 30)));
    assert_eq!(picture_size(&base), sized(28, 30, PictureKind::Jpeg));
}

#[test]
fn a_jpeg_without_its_frame_header_reads_as_zero_by_zero() {
    let mut b = vec![0xff, 0xd8];
    b.extend(segment(0xe0, &[0; 40]));
    assert_eq!(picture_size(&b), sized(0, 0, PictureKind::Jpeg));
    assert_eq!(picture_size(&[0xff, 0xd8, 0xff, 0xe0]), sized(0, 0, PictureKind::Jpeg));
    // A segment length running past the end.
    assert_eq!(picture_size(&[0xff, 0xd8, 0xff, 0xe0, 0xff, 0xff, 0, 0, 0, 0, 0, 0]), sized(0, 0, PictureKind::Jpeg));
}

#[test]
fn gif_header() {
    let mut b = b"GIF89a".to_vec();
    b.extend(300u16.to_le_bytes());
    b.extend(200u16.to_le_bytes());
    b.extend([0xf7, 0, 0]);
    assert_eq!(picture_size(&b), sized(300, 200, PictureKind::Gif));
    assert_eq!(picture_size(&b[..9]), None);
}

fn webp(chunk: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut b = b"RIFF".to_vec();
    b.extend(((body.len() + 12) as u32).to_le_bytes());
    b.extend(b"WEBP");
    b.extend(chunk);
    b.extend((body.len() as u32).to_le_bytes());
    b.extend(body);
    b
}

#[test]
fn webp_headers_of_the_three_chunk_kinds() {
    // Extended: flags, then width - 1 and height - 1 in 24 bits each.
    let mut x = vec![0x10, 0, 0, 0];
    x.extend(&(4999u32).to_le_bytes()[..3]);
    x.extend(&(2999u32).to_le_bytes()[..3]);
    assert_eq!(picture_size(&webp(b"VP8X", &x)), sized(5000, 3000, PictureKind::WebP));
    // Lossless: a signature byte, then width - 1 and height - 1 in 14 bits each.
    let bits: u32 = 799 | (599 << 14) | (1 << 28);
    let mut l = vec![0x2f];
    l.extend(bits.to_le_bytes());
    l.extend([0; 8]);
    assert_eq!(picture_size(&webp(b"VP8L", &l)), sized(800, 600, PictureKind::WebP));
    // Lossy: a frame tag, the start code, then 14-bit width and height (2 bits of scale above).
    let mut v = vec![0x9d, 0x01, 0x2a, 0x9d, 0x01, 0x2a];
    v.extend((1024u16 | 0x4000).to_le_bytes());
    v.extend(768u16.to_le_bytes());
    assert_eq!(picture_size(&webp(b"VP8 ", &v)), sized(1024, 768, PictureKind::WebP));
    // Another chunk first, or too short: not read.
    assert_eq!(picture_size(&webp(b"ALPH", &[0; 16])), None);
    assert_eq!(picture_size(&webp(b"VP8X", &x)[..29]), None);
}

#[test]
fn junk_is_no_picture() {
    assert_eq!(picture_size(b"not a picture at all"), None);
    assert_eq!(picture_size(&[]), None);
    assert_eq!(picture_size(&[0x89, b'P', b'N', b'G']), None);
    assert_eq!(picture_size(b"RIFF\0\0\0\0WAVEfmt                  "), None);
}

#[test]
fn refusals_say_what_and_what_to_do() {
    let big = check_file_size(f64::from(41u32 << 20)).unwrap_err();
    assert_eq!(big.to_string(), "That file is 41 MB; pictures up to 40 MB are accepted.");
    assert_eq!(check_file_size(MAX_UPLOAD_BYTES), Ok(()));
    assert!(check_file_size(MAX_UPLOAD_BYTES + 1.0).is_err());
    let junk = check_header("notes.png", b"not a picture at all").unwrap_err();
    assert_eq!(
        junk.to_string(),
        "\"notes.png\" is not a PNG, JPEG, GIF or WebP picture: choose a photo or a scan of an item."
    );
    let bomb = check_header("bomb.png", &png(12_000, 12_000)).unwrap_err();
    assert_eq!(
        bomb.to_string(),
        "\"bomb.png\" is a 12,000 × 12,000 pixel PNG: pictures up to 50 megapixels are accepted. \
         Scale it down and try again."
    );
    assert_eq!(check_header("ok.png", &png(7000, 7000)), sized(7000, 7000, PictureKind::Png).ok_or(bomb));
    let unreadable = UploadError::Unreadable { name: "broken.png".into() };
    assert_eq!(unreadable.to_string(), "\"broken.png\" could not be read as a picture: choose a PNG or JPEG image.");
}

#[test]
fn uploads_are_scaled_to_at_most_1024_a_side() {
    assert_eq!(scaled_size(900, 700), (900, 700));
    assert_eq!(scaled_size(4000, 3000), (1024, 768));
    assert_eq!(scaled_size(3000, 4000), (768, 1024));
    assert_eq!(scaled_size(10_000, 2), (1024, 1));
    assert_eq!(scaled_size(1, 1), (1, 1));
}

#[test]
fn the_preview_is_letterboxed() {
    let (x, y, w, h) = letterbox(280.0, 280.0, 900.0, 700.0);
    let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
    assert!(close(x, 0.0) && close(w, 280.0), "{x} {w}");
    assert!(close(h, 280.0 * 7.0 / 9.0) && close(y, (280.0 - h) / 2.0), "{y} {h}");
    assert_eq!(letterbox(280.0, 280.0, 10.0, 20.0), (70.0, 0.0, 140.0, 280.0));
}

#[test]
fn probability_bars_are_the_top_five_to_scale() {
    let p = [0.05, 0.6, 0.0, 0.2, 0.0, 0.1, 0.0, 0.05, 0.0, 0.0];
    let bars = top_bars(&p, Scale::Probability);
    assert_eq!(bars.len(), TOP);
    // Ties keep class order.
    assert_eq!(bars.iter().map(|b| b.class).collect::<Vec<_>>(), [1, 3, 5, 0, 7]);
    assert!((bars[0].width - 60.0).abs() < 1e-4);
    assert_eq!(bars[0].value, f64::from(0.6f32));
    // The smallest still shows.
    assert_eq!(top_bars(&[0.0, 1.0], Scale::Probability)[1].width, 1.0);
    assert_eq!(top_bars(&[0.0, 1.0], Scale::Probability)[0].css_width(), "100%");
    assert_eq!(top_bars(&[0.5, 0.25], Scale::Probability)[1].css_width(), "25%");
}

#[test]
fn margin_bars_grow_from_a_zero_line_in_the_middle() {
    let s = [-2.0, 1.0, -1.0, 0.0, -1.5, -4.0, -2.5, -0.5, -2.0, -1.0];
    let bars = top_bars(&s, Scale::Margin);
    assert_eq!(bars.iter().map(|b| b.class).collect::<Vec<_>>(), [1, 3, 7, 2, 9]);
    // The largest magnitude of the ten (class 5's -4, not among the five) reaches an end.
    assert_eq!((bars[0].start, bars[0].width), (50.0, 12.5));
    assert!(!bars[0].is_negative());
    // A zero margin still shows, at the zero line.
    assert_eq!((bars[1].start, bars[1].width), (50.0, 1.0));
    // Negative margins end at the zero line and grow leftwards.
    assert_eq!((bars[2].start, bars[2].width), (43.75, 6.25));
    assert_eq!((bars[3].start + bars[3].width, bars[3].width), (50.0, 12.5));
    assert!(bars[2].is_negative());
    assert_eq!(top_bars(&[-4.0, 4.0], Scale::Margin)[0].css_start(), "50%");
    assert_eq!(top_bars(&[-4.0, 4.0], Scale::Margin)[1].css_start(), "0%");
    // All zero: no division by zero.
    assert!(top_bars(&[0.0; 10], Scale::Margin).iter().all(|b| b.width == 1.0 && b.start == 50.0));
}

#[test]
fn bar_labels() {
    assert_eq!(probability_label(f64::from(0.123f32)), "12.3 %");
    assert_eq!(probability_label(1.0), "100.0 %");
    assert_eq!(probability_label(0.0), "0.0 %");
    assert_eq!(score_label(0.123), "+0.12");
    assert_eq!(score_label(-1.5), "−1.50");
    assert_eq!(score_label(-0.001), "0.00");
    // JavaScript's toFixed rounds an exact half up.
    assert_eq!(score_label(0.125), "+0.13");
}

#[test]
fn filters_run_from_blue_through_white_to_red() {
    assert_eq!(filter_rgb(-1.0), (0, 0, 255));
    assert_eq!(filter_rgb(0.0), (255, 255, 255));
    assert_eq!(filter_rgb(1.0), (255, 0, 0));
    // 127.5 rounds up, as Math.round does.
    assert_eq!(filter_rgb(0.5), (255, 128, 128));
    assert_eq!(filter_rgb(-0.5), (128, 128, 255));
    assert_eq!(filter_scale(&[0.1, -0.4, 0.3]), f64::from(0.4f32));
    assert_eq!(filter_scale(&[]), 1e-9);
}

#[test]
fn heatmap_blends_the_dimmed_picture_towards_red() {
    assert_eq!(gray_rgba(&[0, 200]), [0, 0, 0, 255, 200, 200, 200, 255]);
    let rgba = heat_rgba(&[255, 255, 100, 0], &[0.0, 1.0, 0.5, 2.0]);
    assert_eq!(&rgba[0..4], [153, 153, 153, 255]);
    assert_eq!(&rgba[4..8], [255, 40, 40, 255]);
    assert_eq!(&rgba[8..12], [158, 50, 50, 255]);
    // Out of range heat is clamped as a canvas's pixels are.
    assert_eq!(&rgba[12..16], [255, 80, 80, 255]);
    // Missing heat: black, as NaN is stored.
    assert_eq!(heat_rgba(&[255], &[]), [0, 0, 0, 255]);
}

#[test]
fn activation_maps_each_on_their_own_scale() {
    let side = 2;
    let values = [0.0, 1.0, 2.0, -1.0, 0.0, 10.0, 5.0, 0.0, 0.0, 0.0, 0.0, 0.0];
    let grid = map_grid(&values, side, 3);
    assert_eq!((grid.width, grid.height), (8 * 4, 4));
    let at = |x: usize, y: usize| grid.rgba[4 * (y * grid.width + x)];
    // Map 0: max 2; negative is black.
    assert_eq!([at(0, 0), at(1, 0), at(0, 1), at(1, 1)], [0, 128, 255, 0]);
    // Map 1 starts after a gap of 2, max 10.
    assert_eq!([at(4, 0), at(5, 0), at(4, 1)], [0, 255, 128]);
    // An all-zero map is black; gaps and unused cells stay white and opaque.
    assert_eq!(at(8, 0), 0);
    assert_eq!([at(2, 0), at(0, 2), at(20, 0)], [255, 255, 255]);
    assert!(grid.rgba.chunks(4).all(|p| p[3] == 255));
    assert_eq!(map_grid(&[0.0; 32 * 26 * 26], 26, 32).height, 4 * 28);
}

#[test]
fn a_point_on_the_filters_or_the_maps_names_the_same_one() {
    // 32 filters (or maps), 8 to a row: 4 rows filling the canvas.
    assert_eq!(grid_index(0.0, 0.0, 32), Some(0));
    assert_eq!(grid_index(0.99, 0.0, 32), Some(7));
    assert_eq!(grid_index(0.3, 0.6, 32), Some(2 * 8 + 2));
    assert_eq!(grid_index(0.99, 0.99, 32), Some(31));
    assert_eq!(grid_index(1.0, 0.5, 32), None, "off the canvas");
    assert_eq!(grid_index(-0.1, 0.5, 32), None);
    // 30 of them: the last row's last two places are empty.
    assert_eq!(grid_index(0.99, 0.99, 30), None);
    assert_eq!(grid_index(0.7, 0.99, 30), Some(29));
}
