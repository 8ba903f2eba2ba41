//! The training worker's WebAssembly program: see `fashion_cnn::worker`. A binary's `main`
//! runs when the wasm-bindgen glue's `init()` is called, so this is the worker's entry point.

fn main() {
    #[cfg(target_arch = "wasm32")]
    fashion_cnn::worker::start();
}
