// The page's bootstrap. JavaScript because a browser starts WebAssembly only from JavaScript:
// loads the page's wasm-bindgen glue and wasm (their hashed names are in
// <meta name="fashion-page">, written by the build) and so runs the page's Rust (src/page).
// A failure is shown, not swallowed.
const meta = document.querySelector('meta[name=fashion-page]');
const url = (name) => new URL(name, document.baseURI).href;
import(url(meta.content))
  .then((m) => m.default({ module_or_path: url(meta.dataset.wasm) }))
  .catch((e) => {
    const error = document.getElementById('error');
    error.textContent = `Could not start the page: ${e}. Reload it, or try a browser with WebAssembly.`;
    error.hidden = false;
  });
