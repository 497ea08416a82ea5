//! Large `bytes` results written in place (D-592).
//!
//! `apply_jsonl` returns tens of megabytes. Building them in a Rust `Vec` and then
//! copying them into a fresh `bytes` object (`PyBytes::new`) writes every byte twice
//! and holds the output twice at its peak. `detached_bytes` instead allocates the
//! `bytes` object first, at an estimated size, lets the work write its output straight
//! into it with the interpreter detached, and trims it to the exact size at the end.
//! Output beyond the estimate goes to a spill `Vec` and is appended after one resize.
//!
//! This is the only `unsafe` in the extension; the core crate has none. The object is
//! brand new and never seen by Python until it is returned (refcount 1, not tracked by
//! the GC), which is what CPython requires of `_PyBytes_Resize` and what makes writing
//! its buffer without the interpreter sound.

use std::mem::MaybeUninit;
use std::ptr;

use pyo3::exceptions::PyMemoryError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// Bytes of output built before they are written into the result: small enough to
/// stay in the L2 cache, large enough that the copies are long runs.
pub const OUTPUT_CHUNK: usize = 64 * 1024;

/// Where the work writes: the preallocated `bytes` buffer, then the spill.
pub struct BytesSink<'a> {
    /// The `bytes` object's buffer; the first `used` entries are written.
    head: &'a mut [MaybeUninit<u8>],
    used: usize,
    /// What did not fit into `head`, in order.
    spill: Vec<u8>,
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
///
/// What remains of the cost of a large result is the kernel faulting in the new
/// object's pages as they are first written (D-592).
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
        let mut sink = BytesSink { head, used: 0, spill: Vec::new() };
        py.detach(|| work(&mut sink));
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

