// The page's bootstrap. JavaScript because a browser starts WebAssembly only from JavaScript:
// loads the page's wasm-bindgen glue and wasm (their hashed names are in <meta> tags written by
// the build) and so runs the page's Rust (src/page). It also starts the training worker at
// once, since compiling the worker's wasm is most of the time to a usable page; the page's
// Rust takes the worker over (src/page/link.rs), with any message that came before it, and
// calls `startWorker` for a fresh one after a crash.
const meta = (name) => document.querySelector(`meta[name=${name}]`);
const url = (name) => new URL(name, document.baseURI).href;
const workerMeta = meta('fashion-worker');
const query = new URLSearchParams({ glue: workerMeta.content, wasm: workerMeta.dataset.wasm, bytes: workerMeta.dataset.bytes });
const startWorker = () => new Worker(`worker.js?${query}`, { type: 'module' });
const early = [];
const worker = startWorker();
worker.onmessage = worker.onerror = (e) => { e.preventDefault?.(); early.push(e); };
self.fashionBoot = { worker, early, startWorker };
import(url(meta('fashion-page').content))
  .then((m) => m.default({ module_or_path: url(meta('fashion-page').dataset.wasm) }))
  .catch((e) => {
    const error = document.getElementById('error');
    error.textContent = `Could not start the page: ${e}. Reload it, or try a browser with WebAssembly.`;
    error.hidden = false;
  });
