//! Large `bytes` results written in place (D-592).
//!
//! `apply_jsonl` returns tens of megabytes. Building them in a Rust `Vec` and then
//! copying into a fresh `bytes` object (`PyBytes::new`) touches two fresh mappings of
//! that size and copies every byte once more. `detached_bytes` instead allocates the
//! `bytes` object first, at an estimated size, lets the work write its output straight
//! into it with the interpreter detached, and trims it to the exact size at the end.
//! Output beyond the estimate goes to a spill `Vec` and is appended after one resize.
//! For large outputs a second thread asks the kernel to map the buffer's pages just
//! ahead of the writer (`prefault`), so the writer does not stop at each new page.
//!
//! This is the only `unsafe` in the extension; the core crate has none. The object is
//! brand new and never seen by Python until it is returned (refcount 1, not tracked by
//! the GC), which is what CPython requires of `_PyBytes_Resize` and what makes writing
//! its buffer without the interpreter sound.

use std::mem::MaybeUninit;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use pyo3::exceptions::PyMemoryError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// Bytes of output built before they are written into the result: small enough to
/// stay in the L2 cache, large enough that the copies are long runs.
pub const OUTPUT_CHUNK: usize = 64 * 1024;

/// Outputs smaller than this are not worth a prefault thread.
const PREFAULT_MIN: usize = 8 << 20;

/// Where the work writes: the preallocated `bytes` buffer, then the spill.
pub struct BytesSink<'a> {
    /// The `bytes` object's buffer; the first `used` entries are written.
    head: &'a mut [MaybeUninit<u8>],
    used: usize,
    /// What did not fit into `head`, in order.
    spill: Vec<u8>,
    /// `used`, published for the prefault thread.
    written: &'a AtomicUsize,
}

impl BytesSink<'_> {
    /// Append `bytes` to the output.
    pub fn write(&mut self, bytes: &[u8]) {
        if self.spill.is_empty() {
            let end = self.used.saturating_add(bytes.len());
            if let Some(free) = self.head.get_mut(self.used..end) {
                // `MaybeUninit<u8>` has the layout of `u8`; the compiler makes this a memcpy
                for (slot, byte) in free.iter_mut().zip(bytes) {
                    slot.write(*byte);
                }
                self.used = end;
                self.written.store(end, Ordering::Relaxed);
                return;
            }
        }
        // once output spills, all later output does too, so the order is kept
        self.spill.extend_from_slice(bytes);
    }
}

/// Run `work` with the interpreter detached and return what it wrote to its sink as
/// one `bytes` object. `estimate` sizes the first allocation (pages never written are
/// never touched); the result has exactly the bytes written, whatever the estimate.
pub fn detached_bytes<'py, F>(py: Python<'py>, estimate: usize, work: F) -> PyResult<Bound<'py, PyBytes>>
where
    F: FnOnce(&mut BytesSink<'_>) + Send,
{
    // At least one byte: a bytes object of size 0 is CPython's shared empty singleton,
    // which must never be written or resized.
    let estimate = estimate.max(1);
    let capacity = ffi::Py_ssize_t::try_from(estimate).map_err(|_| PyMemoryError::new_err("output too large"))?;
    // SAFETY: a NULL source asks CPython for a new, uninitialised bytes object of
    // `capacity` bytes (plus its trailing NUL); NULL back means an exception is set.
    let raw = unsafe { ffi::PyBytes_FromStringAndSize(ptr::null(), capacity) };
    // SAFETY: `raw` is a new (owned) reference or NULL with the error set.
    let bytes = unsafe { Bound::from_owned_ptr_or_err(py, raw) }?;
    let (used, spill) = {
        // SAFETY: `PyBytes_AS_STRING` of a bytes object points at its `capacity` bytes
        // of storage, valid while `bytes` is alive (it is, until the end of this
        // function). Viewing them as `MaybeUninit<u8>` makes no claim that they are
        // initialised. Nothing else can reach the buffer: the object has not been
        // handed to anyone, so writing it without the interpreter races with no one.
        let head = unsafe {
            std::slice::from_raw_parts_mut(
                ffi::PyBytes_AS_STRING(bytes.as_ptr()).cast_mut().cast::<MaybeUninit<u8>>(),
                estimate,
            )
        };
        let start = head.as_mut_ptr() as usize;
        let written = AtomicUsize::new(0);
        let done = AtomicBool::new(false);
        let mut sink = BytesSink { head, used: 0, spill: Vec::new(), written: &written };
        py.detach(|| {
            std::thread::scope(|scope| {
                let prefault = if estimate >= PREFAULT_MIN {
                    let (done, written) = (&done, &written);
                    std::thread::Builder::new()
                        .name("cracktrader-prefault".into())
                        .spawn_scoped(scope, move || prefault::run(start, estimate, written, done))
                        .ok()
                } else {
                    None
                };
                work(&mut sink);
                done.store(true, Ordering::Relaxed);
                // joined here, before the buffer can be resized or freed
                if let Some(handle) = prefault {
                    let _ = handle.join();
                }
            })
        });
        (sink.used, sink.spill)
    };
    let total = used.checked_add(spill.len()).ok_or_else(|| PyMemoryError::new_err("output too large"))?;
    if spill.is_empty() && used == estimate {
        // every byte written: nothing to trim
        return Ok(bytes.cast_into::<PyBytes>()?);
    }
    let size = ffi::Py_ssize_t::try_from(total).map_err(|_| PyMemoryError::new_err("output too large"))?;
    let mut raw = bytes.into_ptr();
    // SAFETY: `raw` is our only reference to a bytes object created above, never
    // shared (refcount 1), as `_PyBytes_Resize` requires. It reallocates the object to
    // `size` bytes (keeping the first `min(old, size)` bytes and writing the trailing
    // NUL) and stores the new address in `raw`; on failure it releases the object,
    // sets `raw` to NULL and sets MemoryError.
    if unsafe { ffi::_PyBytes_Resize(&mut raw, size) } != 0 {
        return Err(PyErr::fetch(py));
    }
    // SAFETY: after a successful resize `raw` is an owned reference to a bytes object.
    let bytes = unsafe { Bound::from_owned_ptr_or_err(py, raw) }?;
    if !spill.is_empty() {
        // SAFETY: the object now holds `total = used + spill.len()` bytes; the spill
        // goes to `[used, total)`, inside it, and cannot overlap a Rust `Vec`.
        unsafe {
            let start = ffi::PyBytes_AS_STRING(bytes.as_ptr()).cast_mut().cast::<u8>().add(used);
            ptr::copy_nonoverlapping(spill.as_ptr(), start, spill.len());
        }
    }
    Ok(bytes.cast_into::<PyBytes>()?)
}

/// Faulting in the pages of a fresh multi-megabyte buffer costs the kernel about as
/// much as a fifth of the core's work (every page is new memory to the VM). A second
/// thread asks the kernel to populate the pages a few megabytes ahead of the writer
/// (`MADV_POPULATE_WRITE`, Linux >= 5.14), so the writer finds them mapped. The kernel
/// maps the pages without touching their contents, so this never races with the
/// writer; where the advice is not supported the thread simply stops.
mod prefault {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::time::Duration;

    /// Populate at most this far ahead of the writer ...
    const AHEAD: usize = 8 << 20;
    /// ... this much per system call.
    const STEP: usize = 1 << 20;

    /// Populate `[start, start + len)` ahead of `written` until `done`.
    #[cfg(target_os = "linux")]
    pub fn run(start: usize, len: usize, written: &AtomicUsize, done: &AtomicBool) {
        // Where pages are larger, the advice fails on the unaligned range (EINVAL) and
        // the thread stops: the writer faults the pages in itself, as without it.
        let page = 4096;
        // whole pages inside the buffer only
        let first = start.saturating_add(page - 1) / page * page;
        let end = start.saturating_add(len) / page * page;
        let mut next = first;
        while next < end && !done.load(Ordering::Relaxed) {
            let target = start.saturating_add(written.load(Ordering::Relaxed)).saturating_add(AHEAD).min(end);
            if next >= target {
                std::thread::sleep(Duration::from_micros(200));
                continue;
            }
            let step = STEP.min(end - next);
            // SAFETY: `[next, next + step)` is whole pages inside the bytes object's
            // buffer, which stays allocated until this thread is joined. The advice
            // only makes the kernel map the pages; it reads and writes no byte.
            let status = unsafe { libc::madvise(next as *mut libc::c_void, step, libc::MADV_POPULATE_WRITE) };
            if status != 0 {
                return;
            }
            next += step;
        }
    }

    /// Elsewhere the pages fault in as they are written.
    #[cfg(not(target_os = "linux"))]
    pub fn run(_start: usize, _len: usize, _written: &AtomicUsize, _done: &AtomicBool) {}
}
