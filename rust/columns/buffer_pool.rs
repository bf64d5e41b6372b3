//! Output buffers recycled from one encoded batch to the next.
//!
//! A batch's buffers are freed once DuckDB has read them, and a fresh
//! allocation for the next batch makes the kernel map and zero new pages:
//! page faults were a fifth of the event encoder's time (perf). Freed buffers
//! come back here instead, up to `RETAIN_LIMIT` bytes, so the next batch
//! writes into pages that are already mapped. `release` hands them back to
//! the system (`DatabaseManager.close` calls it).
//!
//! `RETAIN_LIMIT` bounds what is kept, counted in capacity (reserved, not
//! necessarily touched): a writer's memory stays bounded by its batch size.

use std::mem::size_of;
use std::ptr::NonNull;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use arrow_buffer::{ArrowNativeType, Buffer};
use pyo3::prelude::*;

/// Capacity kept for reuse: one direct encode of 1 M events, or about five
/// event batches of the default size.
pub const RETAIN_LIMIT: usize = 512 << 20;

/// The free lists, one per element type.
#[derive(Default)]
pub struct Free {
    bytes: Vec<Vec<u8>>,
    words: Vec<Vec<i64>>,
    bits: Vec<Vec<u64>>,
    retained: usize,
}

static FREE: Mutex<Free> = Mutex::new(Free {
    bytes: Vec::new(),
    words: Vec::new(),
    bits: Vec::new(),
    retained: 0,
});

fn free_lists() -> MutexGuard<'static, Free> {
    // A panic elsewhere cannot leave the lists inconsistent: keep using them.
    FREE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Element types with a free list of their own.
pub trait Pooled: ArrowNativeType + std::panic::RefUnwindSafe {
    fn list(free: &mut Free) -> &mut Vec<Vec<Self>>;
}

impl Pooled for u8 {
    fn list(free: &mut Free) -> &mut Vec<Vec<u8>> {
        &mut free.bytes
    }
}

impl Pooled for i64 {
    fn list(free: &mut Free) -> &mut Vec<Vec<i64>> {
        &mut free.words
    }
}

impl Pooled for u64 {
    fn list(free: &mut Free) -> &mut Vec<Vec<u64>> {
        &mut free.bits
    }
}

fn bytes_of<T>(vec: &Vec<T>) -> usize {
    vec.capacity() * size_of::<T>()
}

/// An empty vector with room for `capacity` elements, recycled if one fits.
pub fn take<T: Pooled>(capacity: usize) -> Vec<T> {
    let mut free = free_lists();
    let list = T::list(&mut free);
    // The smallest that fits; failing that the largest, grown below.
    let fits = (0..list.len())
        .filter(|&i| list[i].capacity() >= capacity)
        .min_by_key(|&i| list[i].capacity());
    let pick = fits.or_else(|| (0..list.len()).max_by_key(|&i| list[i].capacity()));
    let Some(i) = pick else {
        return Vec::with_capacity(capacity);
    };
    let mut vec = list.swap_remove(i);
    free.retained -= bytes_of(&vec);
    drop(free);
    vec.clear();
    vec.reserve(capacity);
    vec
}

/// Owns a vector lent to an Arrow buffer; gives it back when the buffer dies.
struct Recycled<T: Pooled>(Vec<T>);

impl<T: Pooled> Drop for Recycled<T> {
    fn drop(&mut self) {
        let vec = std::mem::take(&mut self.0);
        let size = bytes_of(&vec);
        let mut free = free_lists();
        if size > 0 && free.retained + size <= RETAIN_LIMIT {
            free.retained += size;
            T::list(&mut free).push(vec);
        }
    }
}

/// The vector's elements as an Arrow buffer, without a copy.
pub fn into_buffer<T: Pooled>(vec: Vec<T>) -> Buffer {
    let len = vec.len() * size_of::<T>();
    let ptr = NonNull::new(vec.as_ptr().cast_mut().cast::<u8>()).unwrap_or(NonNull::dangling());
    // SAFETY: `ptr` points to `len` initialised bytes owned by the vector; the
    // vector moves into the owner (its heap block does not move with it) and
    // is neither read nor changed until the last user of the buffer drops it.
    unsafe { Buffer::from_custom_allocation(ptr, len, Arc::new(Recycled(vec))) }
}

/// Frees the encoders' retained output buffers; returns how many bytes that was.
#[pyfunction]
pub fn release_buffers() -> usize {
    let mut free = free_lists();
    let retained = free.retained;
    *free = Free::default();
    retained
}

/// Bytes of output buffers the encoders hold for reuse (at most `RETAIN_LIMIT`).
#[pyfunction]
pub fn retained_buffer_bytes() -> usize {
    free_lists().retained
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dropped_buffer_is_reused_and_release_frees_it() {
        release_buffers();
        let mut vec = take::<i64>(1000);
        vec.extend(0..1000);
        let address = vec.as_ptr() as usize;
        let buffer = into_buffer(vec);
        assert_eq!(buffer.len(), 8000);
        assert_eq!(buffer.typed_data::<i64>()[999], 999);
        assert_eq!(retained_buffer_bytes(), 0);
        drop(buffer);
        assert!(retained_buffer_bytes() >= 8000);
        let again = take::<i64>(500);
        assert_eq!(again.as_ptr() as usize, address);
        assert!(again.is_empty());
        drop(again);
        assert_eq!(release_buffers(), 0);
    }
}
