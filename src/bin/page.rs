//! The page's WebAssembly program: see `fashion_cnn::page`.

fn main() {
    #[cfg(target_arch = "wasm32")]
    fashion_cnn::page::start();
}
