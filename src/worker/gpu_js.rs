//! What wgpu hides from Rust, asked of `web/worker.js`: it wraps the WebGPU device that wgpu
//! creates and offers `self.fashionGpu` with `stats()` (`{bytes, buffers}`, or `null` when no
//! device was created), `lose()` (destroys the device: `true`, or `false` if there is none),
//! `calls()` (`{dispatches, submits}` so far, or `null`), and calls
//! `fashionGpu.onLost(reason, message)` when the device is lost.

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::prelude::*;

use super::send::{send, warning};
use super::wait::sleep;
use crate::protocol::FromWorker;

/// The bootstrap's object on the worker's global scope, and its members.
const BRIDGE: &str = "fashionGpu";
const STATS: &str = "stats";
const LOSE: &str = "lose";
const ON_LOST: &str = "onLost";
const BYTES: &str = "bytes";
const BUFFERS: &str = "buffers";
const CALLS: &str = "calls";
const DISPATCHES: &str = "dispatches";
const SUBMITS: &str = "submits";
/// The engine's collector, exposed by `--js-flags=--expose-gc` (the memory tests).
const GC: &str = "gc";
/// Long enough after a collection for the finalisers that count freed GPU buffers to run.
const AFTER_GC_MS: i32 = 200;

fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

fn bridge() -> Option<Object> {
    get(&js_sys::global(), BRIDGE).dyn_into().ok()
}

/// Calls `fashionGpu[name]()`; `None` when there is no such function.
fn call(name: &str) -> Option<JsValue> {
    let bridge = bridge()?;
    let f: Function = get(&bridge, name).dyn_into().ok()?;
    f.call0(&bridge).ok()
}

/// Reports a lost device to the page, which restarts the worker on the CPU.
pub fn watch_device_loss() {
    let Some(bridge) = bridge() else { return };
    let on_lost = Closure::<dyn FnMut(JsValue, JsValue)>::new(|reason: JsValue, message: JsValue| {
        let reason = reason.as_string().unwrap_or_else(|| "unknown".into());
        send(FromWorker::GpuLost { reason, message: message.as_string().unwrap_or_default() });
    });
    let _ = Reflect::set(&bridge, &ON_LOST.into(), &on_lost.into_js_value());
}

/// `ToWorker::Memory`: the WebAssembly memory and the GPU buffers not yet freed. With a
/// collector to call, it collects first, so the numbers are what is still reachable.
pub async fn report_memory() {
    let gc = get(&js_sys::global(), GC).dyn_into::<Function>().ok();
    if let Some(gc) = &gc {
        let _ = gc.call0(&JsValue::UNDEFINED);
    }
    sleep(if gc.is_some() { AFTER_GC_MS } else { 0 }).await;
    let buffer = get(&wasm_bindgen::memory(), "buffer");
    let wasm_bytes = get(&buffer, "byteLength").as_f64().unwrap_or(0.0);
    let heap_bytes = super::heap_bytes() as f64;
    let stats = call(STATS).filter(|s| s.is_object());
    let gpu_bytes = stats.as_ref().and_then(|s| get(s, BYTES).as_f64());
    let gpu_buffers = stats.as_ref().and_then(|s| get(s, BUFFERS).as_f64()).map(|n| n as u32);
    send(FromWorker::Memory { wasm_bytes, heap_bytes, gpu_bytes, gpu_buffers });
}

/// Compute dispatches and queue submits made on the WebGPU device so far; `None` without one.
pub fn calls() -> Option<(f64, f64)> {
    let calls = call(CALLS).filter(|c| c.is_object())?;
    Some((get(&calls, DISPATCHES).as_f64()?, get(&calls, SUBMITS).as_f64()?))
}

/// `Fault { kind: LoseGpu }`: destroys the WebGPU device, so tests can check the recovery.
pub fn lose_device() {
    if call(LOSE).and_then(|lost| lost.as_bool()) != Some(true) {
        warning("There is no WebGPU device to lose: this page runs on the CPU.");
    }
}
