//! The bytes a program holds on its heap, counted by a wrapper around the system allocator.
//!
//! WebAssembly memory only grows (`memory.grow` has no inverse), so its size is the allocator's
//! high-water mark, fragmentation included: one large buffer that no longer fits in the freed
//! gaps grows it once, and it stays. That is not a leak. A leak is live bytes that keep rising
//! from one run to the next, which is what this counts. The worker installs it as its global
//! allocator; the cost is one relaxed add per allocation.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// A [`GlobalAlloc`] that passes every call to [`System`] and keeps the live byte count.
pub struct Counting {
    live: AtomicUsize,
}

impl Counting {
    pub const fn new() -> Self {
        Self { live: AtomicUsize::new(0) }
    }

    /// Bytes allocated and not yet freed (the sizes asked for, not the allocator's overhead).
    pub fn live(&self) -> usize {
        self.live.load(Relaxed)
    }
}

impl Default for Counting {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: every call goes to `System` with the caller's own arguments; the counter is bookkeeping
// only and never changes what is returned.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            self.live.fetch_add(layout.size(), Relaxed);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            self.live.fetch_add(layout.size(), Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        self.live.fetch_sub(layout.size(), Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let q = unsafe { System.realloc(ptr, layout, new_size) };
        if !q.is_null() {
            self.live.fetch_add(new_size, Relaxed);
            self.live.fetch_sub(layout.size(), Relaxed);
        }
        q
    }
}
