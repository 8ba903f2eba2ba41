//! The live-byte count the worker reports, installed here as this test binary's allocator, so
//! it sees real allocations, reallocations and frees. Native only: on wasm32 the library's
//! worker installs the same counter as the allocator already.

#![cfg(not(target_arch = "wasm32"))]

use fashion_cnn::heap::Counting;

#[global_allocator]
static HEAP: Counting = Counting::new();

#[test]
fn live_bytes_follow_allocations_growth_and_frees() {
    // Other test threads allocate too; the harness runs this file's one test alone, and the
    // margins below are far above anything the harness holds between the two reads.
    let before = HEAP.live();
    let mut v: Vec<u8> = Vec::with_capacity(4 << 20);
    v.resize(4 << 20, 1);
    let with_4 = HEAP.live();
    assert!(with_4 >= before + (4 << 20), "4 MiB allocated: {before} -> {with_4}");
    v.reserve_exact(12 << 20);
    let with_16 = HEAP.live();
    assert!(with_16 >= before + (16 << 20), "grown to 16 MiB: {before} -> {with_16}");
    assert!(with_16 < before + (17 << 20), "a realloc counted twice: {before} -> {with_16}");
    let zeroed = vec![0f32; 1 << 20];
    assert!(HEAP.live() >= with_16 + (4 << 20), "alloc_zeroed not counted");
    drop(zeroed);
    drop(v);
    let after = HEAP.live();
    assert!(after < before + (64 << 10), "freed, yet {before} -> {after} live");
}
