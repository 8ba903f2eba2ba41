// The worker's bootstrap. JavaScript because a module worker can start WebAssembly only from
// JavaScript, and because wgpu hides the WebGPU device it creates from Rust. It
// - loads the worker's wasm-bindgen glue and wasm, whose hashed names and size the page passes
//   as `?glue=&wasm=&bytes=`, and so runs the worker's Rust (src/worker); while the wasm
//   arrives (megabytes, before any Rust runs) it posts FromWorker::WasmDownload, the one message
//   written outside Rust (tests/protocol.rs decodes this file's literal);
// - watches that device for Rust, through `self.fashionGpu` (read by src/worker/gpu_js.rs):
//   the bytes still held in its buffers, its loss (`onLost`, set by Rust), `lose()`, which
//   destroys it so tests can check the recovery, and `calls()`, the dispatches and submits
//   made so far.
const gpu = {
  device: null, bytes: 0, buffers: 0, onLost: null, calls: () => null,
  stats() { return this.device ? { bytes: this.bytes, buffers: this.buffers } : null; },
  lose() { if (!this.device) return false; this.device.destroy(); return true; },
};
self.fashionGpu = gpu;

if (self.GPUAdapter && self.GPUDevice && self.GPUBuffer) {
  const requestDevice = GPUAdapter.prototype.requestDevice;
  GPUAdapter.prototype.requestDevice = async function (...args) {
    const d = await requestDevice.apply(this, args);
    gpu.device = d;
    d.lost.then((info) => { if (gpu.device === d && gpu.onLost) gpu.onLost(info.reason ?? 'unknown', info.message || ''); });
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
  // Compute dispatches and queue submits, counted where they enter WebGPU: their number per
  // training step is what the worker thread's share of a GPU step scales with.
  gpu.dispatches = 0;
  gpu.submits = 0;
  gpu.calls = function () { return { dispatches: this.dispatches, submits: this.submits }; };
  for (const name of ['dispatchWorkgroups', 'dispatchWorkgroupsIndirect']) {
    const f = GPUComputePassEncoder.prototype[name];
    GPUComputePassEncoder.prototype[name] = function (...a) { gpu.dispatches += 1; return f.apply(this, a); };
  }
  const submit = GPUQueue.prototype.submit;
  GPUQueue.prototype.submit = function (...a) { gpu.submits += 1; return submit.apply(this, a); };
  const destroy = GPUBuffer.prototype.destroy;
  GPUBuffer.prototype.destroy = function () {
    if (collected.unregister(this)) { gpu.bytes -= this.size; gpu.buffers -= 1; }
    return destroy.call(this);
  };
}

// A failure to start is thrown from a timer, so it reaches the page as the Worker's `error`
// event (a rejected promise in a module worker would not).
const params = new URL(location.href).searchParams;
const at = (name) => new URL(params.get(name), location.href).href;
const total = Number(params.get('bytes')) || null;
// A data-parallel helper (src/worker/pool.rs starts it with `&helper=1`) talks only to the
// training worker, which has no use for its download's progress.
const helper = params.has('helper');
const progress = (loaded) => { if (!helper) self.postMessage({ m: { WasmDownload: { loaded: loaded, total: total } }, b: [] }); };
// The bytes are counted on their way into the streaming compiler, so nothing waits for them.
const counted = fetch(at('wasm')).then((r) => {
  if (!r.ok || !r.body) return r;
  let loaded = 0, sent = 0;
  const count = new TransformStream({
    transform(chunk, out) { loaded += chunk.byteLength; if (loaded - sent >= 1 << 18) { sent = loaded; progress(loaded); } out.enqueue(chunk); },
    flush() { progress(loaded); },
  });
  return new Response(r.body.pipeThrough(count), { headers: { 'Content-Type': 'application/wasm' } });
});
import(at('glue'))
  .then((m) => m.default({ module_or_path: counted }))
  .catch((e) => setTimeout(() => { throw new Error(`Could not start the WebAssembly module: ${e}`); }));
