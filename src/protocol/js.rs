//! The browser side of the boundary: a message becomes `{m: control, b: [typed arrays]}` and
//! the arrays' buffers go in the transfer list.

use super::{BULK_KEY as BULK, Buffer, CONTROL_KEY as CONTROL, DecodeError, decode, encode};
use js_sys::{Array, Float32Array, Object, Reflect, Uint8Array, Uint8ClampedArray, Uint32Array};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};

/// The value to post and its transfer list.
pub fn to_js<M: Serialize>(msg: &M) -> (JsValue, Array) {
    // Maps as plain objects and Option::None as undefined: serde-wasm-bindgen's defaults
    // except for maps, which it would make JS Maps.
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
    let (control, buffers) = match encode(msg, |m| m.serialize(&serializer)) {
        Ok(v) => v,
        // Only a non-serialisable type could fail, which the round-trip test rules out.
        Err(e) => (JsValue::from_str(&format!("unserialisable message: {e}")), Vec::new()),
    };
    let bulk = Array::new();
    let transfer = Array::new();
    for b in buffers {
        let array: JsValue = match b {
            Buffer::U8(v) => Uint8Array::from(&v[..]).into(),
            Buffer::U32(v) => Uint32Array::from(&v[..]).into(),
            Buffer::F32(v) => Float32Array::from(&v[..]).into(),
        };
        if let Ok(buffer) = Reflect::get(&array, &"buffer".into()) {
            transfer.push(&buffer);
        }
        bulk.push(&array);
    }
    let obj = Object::new();
    let _ = Reflect::set(&obj, &CONTROL.into(), &control);
    let _ = Reflect::set(&obj, &BULK.into(), &bulk);
    (obj.into(), transfer)
}

/// Reads a message posted by [`to_js`] on the other side.
pub fn from_js<M: DeserializeOwned>(value: &JsValue) -> Result<M, DecodeError> {
    let control = Reflect::get(value, &CONTROL.into()).map_err(|_| DecodeError("no control part".into()))?;
    let bulk: Array = Reflect::get(value, &BULK.into())
        .ok()
        .and_then(|b| b.dyn_into().ok())
        .ok_or_else(|| DecodeError("no bulk part".into()))?;
    let mut buffers = Vec::with_capacity(bulk.length() as usize);
    for item in bulk.iter() {
        let buffer = if let Some(a) = item.dyn_ref::<Uint8Array>() {
            Buffer::U8(a.to_vec())
        } else if let Some(a) = item.dyn_ref::<Uint8ClampedArray>() {
            Buffer::U8(a.to_vec())
        } else if let Some(a) = item.dyn_ref::<Float32Array>() {
            Buffer::F32(a.to_vec())
        } else if let Some(a) = item.dyn_ref::<Uint32Array>() {
            Buffer::U32(a.to_vec())
        } else {
            return Err(DecodeError("a bulk part that is not a typed array".into()));
        };
        buffers.push(buffer);
    }
    decode(buffers, || serde_wasm_bindgen::from_value(control)).map_err(|e| DecodeError(e.to_string()))
}
