// Classic worker: loads the wasm-bindgen glue (no-modules target, global `wasm_bindgen`)
// and hands control to Rust. Failures to start are reported to the page, never swallowed.
try {
  importScripts('./fashion-cnn.js');
  wasm_bindgen({ module_or_path: './fashion-cnn_bg.wasm' })
    .then(() => wasm_bindgen.worker_main())
    .catch((e) => postMessage({ type: 'error', message: 'Could not start the WebAssembly module: ' + e }));
} catch (e) {
  postMessage({ type: 'error', message: 'Could not load the app code (fashion-cnn.js): ' + e });
}
