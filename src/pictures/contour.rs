//! Outlines as a hand draws them: the silhouette's boundary traced into closed loops, then
//! redrawn as a mouse or a finger does it, with a wobble, gaps where the pen lifted and
//! strokes that run past where they should end.

use rand::Rng;

/// The eight neighbours, clockwise from west (y grows downwards).
const AROUND: [(isize, isize); 8] = [(-1, 0), (-1, -1), (0, -1), (1, -1), (1, 0), (1, 1), (0, 1), (-1, 1)];

/// The outer boundary of each 8-connected part of `mask` (`w`x`h`) with at least `min_pixels`
/// pixels, as a closed loop of pixel positions in order (Moore-neighbour tracing).
pub fn boundaries(mask: &[bool], w: usize, h: usize, min_pixels: usize) -> Vec<Vec<(usize, usize)>> {
    let on = |x: isize, y: isize| {
        x >= 0 && y >= 0 && (x as usize) < w && (y as usize) < h && mask[y as usize * w + x as usize]
    };
    let mut part = vec![usize::MAX; w * h];
    let mut loops = Vec::new();
    for start in 0..w * h {
        if !mask[start] || part[start] != usize::MAX {
            continue;
        }
        // Flood the part first, so each part is traced once, from its first pixel in reading
        // order (whose west neighbour is outside it).
        let id = start;
        let mut stack = vec![start];
        let mut size = 0;
        while let Some(i) = stack.pop() {
            if part[i] != usize::MAX {
                continue;
            }
            part[i] = id;
            size += 1;
            let (x, y) = ((i % w) as isize, (i / w) as isize);
            for (dx, dy) in AROUND {
                if on(x + dx, y + dy) && part[((y + dy) as usize) * w + (x + dx) as usize] == usize::MAX {
                    stack.push(((y + dy) as usize) * w + (x + dx) as usize);
                }
            }
        }
        if size >= min_pixels {
            loops.push(trace(&on, (start % w) as isize, (start / w) as isize, w * h));
        }
    }
    loops
}

/// One Moore-neighbour trace from `start`, whose west neighbour is background; it ends when it
/// is back at the start coming from the same side (Jacob's criterion).
fn trace(on: &impl Fn(isize, isize) -> bool, sx: isize, sy: isize, cap: usize) -> Vec<(usize, usize)> {
    let (mut x, mut y, mut back) = (sx, sy, 0usize);
    let mut points = vec![(sx as usize, sy as usize)];
    let mut first: Option<(isize, isize, usize)> = None;
    for _ in 0..4 * cap {
        let Some(k) = (1..=8).find(|k| {
            let (dx, dy) = AROUND[(back + k) % 8];
            on(x + dx, y + dy)
        }) else {
            break; // a lone pixel
        };
        let d = (back + k) % 8;
        let (px, py) = (x + AROUND[(d + 7) % 8].0, y + AROUND[(d + 7) % 8].1);
        let (nx, ny) = (x + AROUND[d].0, y + AROUND[d].1);
        back = AROUND.iter().position(|&v| v == (px - nx, py - ny)).expect("neighbours of one pixel are adjacent");
        (x, y) = (nx, ny);
        match first {
            None => first = Some((x, y, back)),
            Some(f) if f == (x, y, back) => {
                points.pop();
                break;
            }
            _ => {}
        }
        points.push((x as usize, y as usize));
    }
    points
}

/// Roughly normal, mean 0 and deviation 1 (a sum of three uniforms).
fn wobble(rng: &mut impl Rng) -> f32 {
    (0..3).map(|_| rng.random_range(-1.0..1.0f32)).sum::<f32>()
}

/// How a hand redraws a traced loop.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hand {
    /// Wobble: the standard deviation of the drift away from the edge, in item pixels (28 a side).
    pub jitter: f32,
    /// The chance that the pen lifts over one stretch of the loop, leaving a gap.
    pub gap: f32,
    /// How far each stroke runs past its end, in item pixels.
    pub overshoot: f32,
}

/// `loop_` (traced at `scale` points per item pixel) redrawn by `hand` as strokes, in the
/// loop's pixels: smoothed, a point kept every one to two and a half item pixels, a slowly
/// drifting wobble added, cut where the pen lifts, each stroke's ends carried on past where
/// they should stop.
pub fn hand_drawn(loop_: &[(usize, usize)], scale: usize, hand: Hand, rng: &mut impl Rng) -> Vec<Vec<(f32, f32)>> {
    let n = loop_.len();
    if n < 3 {
        return vec![loop_.iter().map(|&(x, y)| (x as f32 + 0.5, y as f32 + 0.5)).collect()];
    }
    let at = |i: usize| (loop_[i % n].0 as f32 + 0.5, loop_[i % n].1 as f32 + 0.5);
    let step = rng.random_range(scale..=scale * 5 / 2).min(n / 3).max(1);
    let unit = scale as f32;
    let offset = rng.random_range(0..n);
    let (mut drift_x, mut drift_y) = (0f32, 0f32);
    let mut points = Vec::new();
    for i in (0..=n).step_by(step) {
        let j = i + offset;
        let ((ax, ay), (bx, by), (cx, cy)) = (at(j + n - 1), at(j), at(j + 1));
        drift_x = 0.7 * drift_x + 0.7 * unit * hand.jitter * wobble(rng);
        drift_y = 0.7 * drift_y + 0.7 * unit * hand.jitter * wobble(rng);
        points.push(((ax + bx + cx) / 3.0 + drift_x, (ay + by + cy) / 3.0 + drift_y));
    }
    let mut strokes: Vec<Vec<(f32, f32)>> = vec![Vec::new()];
    for (i, &p) in points.iter().enumerate() {
        if i > 0 && i + 1 < points.len() && rng.random_bool(hand.gap as f64) {
            strokes.push(Vec::new()); // this segment is not drawn
        }
        strokes.last_mut().expect("one stroke at least").push(p);
    }
    strokes.retain(|s| s.len() >= 2);
    for s in &mut strokes {
        let run_on = |a: (f32, f32), b: (f32, f32)| {
            let (dx, dy) = (b.0 - a.0, b.1 - a.1);
            let len = (dx * dx + dy * dy).sqrt().max(1e-3);
            (b.0 + dx / len * unit * hand.overshoot, b.1 + dy / len * unit * hand.overshoot)
        };
        let end = run_on(s[s.len() - 2], s[s.len() - 1]);
        let start = run_on(s[1], s[0]);
        s.push(end);
        s.insert(0, start);
    }
    strokes
}
