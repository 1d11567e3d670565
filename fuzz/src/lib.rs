//! Shared fuzzing support: an allocator that turns any single allocation
//! larger than a per-input budget into a crash, so fuzzing proves that no
//! length field can make a decoder allocate more than its input justifies.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Current budget in bytes for one allocation; 0 means unlimited (libFuzzer's
/// own bookkeeping runs outside decode calls).
static BUDGET: AtomicUsize = AtomicUsize::new(0);

/// The system allocator with a per-allocation budget.
pub struct BudgetAlloc;

// SAFETY: every method forwards to `System` with the caller's own layout and
// pointer, unchanged, so `System`'s guarantees carry over. The only addition
// is a check that aborts (never returns an invalid pointer) when the layout's
// size is over budget.
unsafe impl GlobalAlloc for BudgetAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        check(layout.size());
        // SAFETY: forwarded unchanged; the caller upholds alloc's contract.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        check(layout.size());
        // SAFETY: forwarded unchanged.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged; ptr came from System via this allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        check(new_size);
        // SAFETY: forwarded unchanged; ptr came from System via this allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

fn check(size: usize) {
    let budget = BUDGET.load(Ordering::Relaxed);
    if budget != 0 && size > budget {
        // No allocation here: write a fixed message and abort.
        let msg = b"rzk-fuzz: allocation over budget (a length field drove an allocation beyond the input)\n";
        let _ = std::io::Write::write_all(&mut std::io::stderr(), msg);
        std::process::abort();
    }
}

/// Runs `f` while every single allocation must stay within
/// `16 × input_len + 4 KiB`. The factor covers in-memory element sizes (a
/// decoded `Acl` or `String` is bigger than its smallest encoding) and Vec
/// doubling; what it forbids is an allocation sized by an untrusted length
/// or count rather than by the bytes actually present.
pub fn with_budget<R>(input_len: usize, f: impl FnOnce() -> R) -> R {
    BUDGET.store(
        input_len.saturating_mul(16).saturating_add(4096),
        Ordering::Relaxed,
    );
    let r = f();
    BUDGET.store(0, Ordering::Relaxed);
    r
}
