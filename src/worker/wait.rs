//! Waiting without polling: a [`Signal`] wakes whoever waits on it, and [`sleep`] goes through
//! the worker's timer, which is also how long work lets messages (Stop) in.

use js_sys::Promise;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::task::{Poll, Waker};
use wasm_bindgen_futures::JsFuture;

use super::send::scope;

/// An event that waiters are woken for, and that stays set until [`Signal::reset`].
#[derive(Default)]
pub struct Signal {
    fired: Cell<bool>,
    wakers: RefCell<Vec<Waker>>,
}

impl Signal {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn fire(&self) {
        self.fired.set(true);
        for waker in self.wakers.take() {
            waker.wake();
        }
    }

    pub fn reset(&self) {
        self.fired.set(false);
    }

    pub fn is_fired(&self) -> bool {
        self.fired.get()
    }

    /// Resolves once the signal is set (at once if it is).
    pub fn wait(&self) -> impl Future<Output = ()> + '_ {
        std::future::poll_fn(|cx| {
            if self.fired.get() {
                return Poll::Ready(());
            }
            let mut wakers = self.wakers.borrow_mut();
            if !wakers.iter().any(|w| w.will_wake(cx.waker())) {
                wakers.push(cx.waker().clone());
            }
            Poll::Pending
        })
    }
}

/// Resolves after `ms` milliseconds on the worker's timer.
pub async fn sleep(ms: i32) {
    let promise = Promise::new(&mut |resolve, _| {
        let _ = scope().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = JsFuture::from(promise).await;
}

/// Lets the worker's event loop run, so that a message (such as Stop) is seen.
pub async fn yield_now() {
    sleep(0).await;
}
