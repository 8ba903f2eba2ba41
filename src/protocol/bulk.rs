//! The side channel of [`Bulk`] fields: serialising one puts its vector in a thread-local list
//! and writes its index; deserialising takes it back by index.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cell::RefCell;

/// A vector that crosses the boundary as a typed array, out of band.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Bulk<T>(pub Vec<T>);

impl<T> From<Vec<T>> for Bulk<T> {
    fn from(v: Vec<T>) -> Self {
        Bulk(v)
    }
}

impl<T> std::ops::Deref for Bulk<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.0
    }
}

/// One out-of-band buffer: which typed array it becomes in JavaScript.
#[derive(Clone, Debug, PartialEq)]
pub enum Buffer {
    U8(Vec<u8>),
    U32(Vec<u32>),
    F32(Vec<f32>),
}

/// The element types a [`Bulk`] can carry.
pub trait Element: Sized + Clone {
    fn wrap(v: Vec<Self>) -> Buffer;
    fn unwrap(b: Buffer) -> Option<Vec<Self>>;
}

macro_rules! element {
    ($t:ty, $variant:ident) => {
        impl Element for $t {
            fn wrap(v: Vec<Self>) -> Buffer {
                Buffer::$variant(v)
            }
            fn unwrap(b: Buffer) -> Option<Vec<Self>> {
                match b {
                    Buffer::$variant(v) => Some(v),
                    _ => None,
                }
            }
        }
    };
}
element!(u8, U8);
element!(u32, U32);
element!(f32, F32);

thread_local! {
    /// The buffers of the message being encoded or decoded, by index.
    static SIDE: RefCell<Vec<Option<Buffer>>> = const { RefCell::new(Vec::new()) };
}

impl<T: Element> Serialize for Bulk<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let index = SIDE.with(|side| {
            let mut side = side.borrow_mut();
            side.push(Some(T::wrap(self.0.clone())));
            side.len() - 1
        });
        s.serialize_u32(index as u32)
    }
}

impl<'de, T: Element> Deserialize<'de> for Bulk<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let index = u32::deserialize(d)? as usize;
        let buffer = SIDE.with(|side| side.borrow_mut().get_mut(index).and_then(Option::take));
        let buffer = buffer.ok_or_else(|| serde::de::Error::custom(format!("no bulk buffer {index}")))?;
        T::unwrap(buffer)
            .map(Bulk)
            .ok_or_else(|| serde::de::Error::custom(format!("bulk buffer {index} has another type")))
    }
}

/// Serialises `msg` with `to_control` (serde-wasm-bindgen in the browser, serde_json in tests)
/// and returns the control value with the message's bulk buffers, in index order.
pub fn encode<M: Serialize, V, E>(msg: &M, to_control: impl FnOnce(&M) -> Result<V, E>) -> Result<(V, Vec<Buffer>), E> {
    SIDE.with(|side| side.borrow_mut().clear());
    let control = to_control(msg);
    let buffers = SIDE.with(|side| side.borrow_mut().drain(..).flatten().collect());
    Ok((control?, buffers))
}

/// The inverse of [`encode`].
pub fn decode<M, E>(buffers: Vec<Buffer>, from_control: impl FnOnce() -> Result<M, E>) -> Result<M, E> {
    SIDE.with(|side| *side.borrow_mut() = buffers.into_iter().map(Some).collect());
    let msg = from_control();
    SIDE.with(|side| side.borrow_mut().clear());
    msg
}
