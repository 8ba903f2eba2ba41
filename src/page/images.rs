//! Grey 28×28 images as small canvases, a pixel per pixel (CSS scales them up, sharp).

use wasm_bindgen::Clamped;
use web_sys::{HtmlCanvasElement, ImageData};

use super::dom::{create, read_often_context};
use crate::dataset::IMAGE_SIDE;
use crate::view::colour::gray_rgba;

pub fn canvas_of(grey: &[u8]) -> HtmlCanvasElement {
    let canvas: HtmlCanvasElement = create("canvas");
    canvas.set_width(IMAGE_SIDE as u32);
    canvas.set_height(IMAGE_SIDE as u32);
    let rgba = gray_rgba(grey);
    if let Ok(image) = ImageData::new_with_u8_clamped_array_and_sh(Clamped(&rgba), IMAGE_SIDE as u32, IMAGE_SIDE as u32)
    {
        let _ = read_often_context(&canvas).put_image_data(&image, 0.0, 0.0);
    }
    canvas
}
