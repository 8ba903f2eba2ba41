// Module worker: loads the wasm-bindgen glue and hands control to Rust. Failures to start are
// reported to the page, never swallowed.
import init, { worker_main } from './fashion-cnn.js';

init({ module_or_path: new URL('./fashion-cnn_bg.wasm', import.meta.url) })
  .then(() => worker_main())
  .catch((e) => postMessage({ type: 'error', message: 'Could not start the WebAssembly module: ' + e }));
