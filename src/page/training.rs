//! Live training numbers (`#live-*`) and the loss and accuracy curves (`#loss-chart`,
//! `#acc-chart`). Batches only record points; the curves are redrawn at the next animation
//! frame, at most once a frame, so a burst of batches never holds up the page.

use std::cell::{Cell, RefCell};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use super::charts::{self, ChartError, CurveChart};
use super::dom::{by_id, listen, set_text, window};
use super::status;
use crate::arch::Arch;
use crate::protocol::{HeldOut, TrainPoint};
use crate::view::chart::Curve;
use crate::view::format::{fmt_time, pct, round_thousands, thousands, to_fixed};

thread_local! {
    static LOSS: RefCell<Curve> = RefCell::new(Curve::new(1, 0));
    static ACCURACY: RefCell<Curve> = RefCell::new(Curve::new(1, 0));
    /// A redraw is waiting for the next animation frame.
    static FRAME_PENDING: Cell<bool> = const { Cell::new(false) };
    /// The current run's batches, and how many of them are done.
    static TOTAL: Cell<u32> = const { Cell::new(1) };
    static TRAINED: Cell<u32> = const { Cell::new(0) };
}

/// Draws the empty charts' axes, and redraws them at the new width when the window's changes
/// (a phone turned).
pub fn init() {
    schedule_redraw();
    listen::<web_sys::Event>(&window(), "resize", |_| schedule_redraw());
}

pub fn on_train_start(arch: Arch, epochs: u32, batches: u32, batches_per_epoch: u32) {
    TRAINED.set(0);
    TOTAL.set(batches);
    LOSS.set(Curve::new(batches, batches_per_epoch));
    ACCURACY.set(Curve::new(batches, batches_per_epoch));
    schedule_redraw();
    set_text("live-epoch", "1");
    set_text("live-epochs", &epochs.to_string());
    set_text("live-held-out", "–");
    let epochs = if epochs == 1 { "1 epoch".to_string() } else { format!("{epochs} epochs") };
    status::set_progress(0.0, Some(&format!("Training {arch}: {epochs}, {} batches", thousands(batches))));
}

pub fn on_batch(epoch: u32, step: u32, points: &[TrainPoint], images_per_second: f64, elapsed: f64, eta: f64) {
    TRAINED.set(step);
    let loss = LOSS.with_borrow_mut(|curve| {
        points.iter().for_each(|p| curve.add(f64::from(p.step), f64::from(p.loss)));
        curve.ema()
    });
    let accuracy = ACCURACY.with_borrow_mut(|curve| {
        points.iter().for_each(|p| curve.add(f64::from(p.step), f64::from(p.accuracy)));
        curve.ema()
    });
    schedule_redraw();
    set_text("live-epoch", &epoch.to_string());
    set_text("live-loss", &loss.map_or_else(|| "–".into(), |l| to_fixed(l, 3)));
    set_text("live-acc", &accuracy.map_or_else(|| "–".into(), pct));
    set_text("live-ips", &round_thousands(images_per_second));
    set_text("live-elapsed", &fmt_time(elapsed));
    set_text("live-eta", &fmt_time(eta));
    let total = TOTAL.get();
    let done = if total > 0 { f64::from(step) / f64::from(total) } else { 1.0 };
    let (step, total) = (thousands(step), thousands(total));
    status::set_progress(done, Some(&format!("Training: batch {step} of {total}, about {} left", fmt_time(eta))));
}

pub fn on_epoch(step: u32, loss: f64, accuracy: f64, held_out: Option<HeldOut>) {
    LOSS.with_borrow_mut(|curve| curve.add_epoch(f64::from(step), loss));
    ACCURACY.with_borrow_mut(|curve| {
        curve.add_epoch(f64::from(step), accuracy);
        if let Some(h) = held_out {
            curve.add_held_out(f64::from(step), h.accuracy);
        }
    });
    if let Some(h) = held_out {
        let text = format!("{} on {} test images", pct(h.accuracy), thousands(h.images));
        set_text("live-held-out", &text);
    }
    schedule_redraw();
}

/// No time left to show (the run stopped, or the worker is being restarted).
pub fn clear_eta() {
    set_text("live-eta", "–");
}

/// Batches finished in the current run.
pub fn trained_steps() -> u32 {
    TRAINED.get()
}

/// The current run's smoothed loss and accuracy, `[step, value]`, for the experiment log.
pub fn smoothed_curves() -> (Vec<[f32; 2]>, Vec<[f32; 2]>) {
    let points = |c: &Curve| c.smooth.iter().map(|&(s, v)| [s as f32, v as f32]).collect();
    (LOSS.with_borrow(points), ACCURACY.with_borrow(points))
}

/// The current run's number of batches (1 before the first run).
pub fn total_steps() -> u32 {
    TOTAL.get()
}

fn schedule_redraw() {
    if FRAME_PENDING.replace(true) {
        return;
    }
    let frame = Closure::once_into_js(|| {
        FRAME_PENDING.set(false);
        if let Err(e) = redraw() {
            status::show_error(&e.to_string());
        }
    });
    if window().request_animation_frame(frame.unchecked_ref()).is_err() {
        FRAME_PENDING.set(false);
    }
}

const LOSS_CHART: CurveChart = CurveChart { name: "loss chart", quantity: "Loss (cross-entropy)", legend_on_top: true };
const ACCURACY_CHART: CurveChart = CurveChart { name: "accuracy chart", quantity: "Accuracy", legend_on_top: false };

fn redraw() -> Result<(), ChartError> {
    LOSS.with_borrow(|c| charts::draw_curve(&by_id("loss-chart"), c, (0.0, c.loss_y_max()), &LOSS_CHART))?;
    ACCURACY.with_borrow(|c| charts::draw_curve(&by_id("acc-chart"), c, (0.0, 1.0), &ACCURACY_CHART))
}
