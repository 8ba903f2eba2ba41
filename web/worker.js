// Module worker: loads the wasm-bindgen glue and hands control to Rust. Failures to start are
// reported to the page, never swallowed.
//
// It also watches the WebGPU device wgpu creates, which Rust cannot do from inside wgpu:
// - a lost device (driver reset, GPU process crash, tab backgrounded on some systems) is
//   reported to the page as {type: 'gpu-lost'}; the page then restarts the worker on the CPU
//   with the model trained so far;
// - the bytes held in GPU buffers (not yet destroyed or collected) are counted, for the
//   page's memory report;
// - {type: 'fault', kind: 'lose-gpu'} destroys the device, so tests can check the recovery.
import init, { worker_main } from './fashion-cnn.js';

let device = null;
const gpu = { bytes: 0, buffers: 0 };

if (self.GPUAdapter && self.GPUDevice && self.GPUBuffer) {
  const requestDevice = GPUAdapter.prototype.requestDevice;
  GPUAdapter.prototype.requestDevice = async function (...args) {
    const d = await requestDevice.apply(this, args);
    device = d;
    d.lost.then((info) => {
      if (device !== d) return;
      postMessage({ type: 'gpu-lost', reason: info.reason ?? 'unknown', message: info.message || '' });
    });
    return d;
  };
  // wgpu never calls destroy() on the web: a buffer it drops is freed when its JavaScript
  // object is garbage-collected. So a buffer counts until destroyed or collected.
  const collected = new FinalizationRegistry((size) => { gpu.bytes -= size; gpu.buffers -= 1; });
  const createBuffer = GPUDevice.prototype.createBuffer;
  GPUDevice.prototype.createBuffer = function (descriptor) {
    const b = createBuffer.call(this, descriptor);
    gpu.bytes += b.size;
    gpu.buffers += 1;
    collected.register(b, b.size, b);
    return b;
  };
  const destroy = GPUBuffer.prototype.destroy;
  GPUBuffer.prototype.destroy = function () {
    if (collected.unregister(this)) {
      gpu.bytes -= this.size;
      gpu.buffers -= 1;
    }
    return destroy.call(this);
  };
}

let wasm = null;
self.addEventListener('message', (e) => {
  const m = e.data;
  if (m?.type === 'memory') {
    // With --js-flags=--expose-gc (the memory tests), collect first, then let the
    // finalisation callbacks run, so the numbers are what is still reachable.
    if (typeof self.gc === 'function') self.gc();
    setTimeout(() => postMessage({
      type: 'memory',
      wasmBytes: wasm ? wasm.memory.buffer.byteLength : 0,
      gpuBytes: device ? gpu.bytes : null,
      gpuBuffers: device ? gpu.buffers : null,
    }), typeof self.gc === 'function' ? 200 : 0);
  } else if (m?.type === 'fault' && m.kind === 'lose-gpu') {
    if (device) device.destroy();
    else postMessage({ type: 'warning', message: 'There is no WebGPU device to lose: this page runs on the CPU.' });
  }
});

init({ module_or_path: new URL('./fashion-cnn_bg.wasm', import.meta.url) })
  .then((exports) => { wasm = exports; worker_main(); })
  .catch((e) => postMessage({ type: 'error', message: 'Could not start the WebAssembly module: ' + e }));
