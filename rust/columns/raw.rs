//! Output columns written straight into recycled buffers, in the layouts
//! DuckDB reads: i64 values, and strings as offsets plus UTF-8 bytes.
//!
//! Arrow's builders do the same with a capacity check and bookkeeping per
//! value; on the event encoder's path that was a tenth of its time.

use std::mem::size_of;
use std::sync::{Arc, Mutex, PoisonError};

use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, DictionaryArray, Int32Array, Int64Array, LargeStringArray};
use arrow_buffer::{BooleanBuffer, Buffer, MutableBuffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::ArrowError;

use crate::columns::buffer_pool::{into_buffer, take};
use crate::columns::byte_append::append;

/// A column of one value repeated `rows` times, as a dictionary: the value
/// once, and keys that are all zero. The zeros are one buffer shared by every
/// batch; allocated zeroed, its pages cost nothing until read.
pub fn one_value_dictionary(value: &str, rows: usize) -> Result<ArrayRef, ArrowError> {
    static ZEROS: Mutex<Option<Buffer>> = Mutex::new(None);
    let mut zeros = ZEROS.lock().unwrap_or_else(PoisonError::into_inner);
    let needed = rows * size_of::<i32>();
    let shared = match zeros.as_ref() {
        Some(buffer) if buffer.len() >= needed => buffer.clone(),
        _ => {
            let buffer = Buffer::from(MutableBuffer::from_len_zeroed(needed.next_power_of_two()));
            *zeros = Some(buffer.clone());
            buffer
        }
    };
    drop(zeros);
    let keys = Int32Array::new(ScalarBuffer::new(shared, 0, rows), None);
    let values = Arc::new(LargeStringArray::from(vec![value]));
    Ok(Arc::new(DictionaryArray::<Int32Type>::try_new(
        keys, values,
    )?))
}

/// A non-null i64 column.
pub struct I64Column(Vec<i64>);

impl I64Column {
    pub fn with_capacity(rows: usize) -> Self {
        I64Column(take(rows))
    }

    #[inline]
    pub fn push(&mut self, value: i64) {
        self.0.push(value);
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn truncate(&mut self, rows: usize) {
        self.0.truncate(rows);
    }

    pub fn finish(self) -> Int64Array {
        Int64Array::new(ScalarBuffer::from(into_buffer(self.0)), None)
    }
}

/// Validity bits gathered a word at a time: setting a bit in a byte array
/// per row (arrow's `NullBufferBuilder`) is a read-modify-write chain.
struct Validity {
    words: Vec<u64>,
    word: u64,
    rows: usize,
    nulls: usize,
}

impl Validity {
    #[inline]
    fn push(&mut self, valid: bool) {
        self.word |= u64::from(valid) << (self.rows % 64);
        self.nulls += usize::from(!valid);
        self.rows += 1;
        if self.rows.is_multiple_of(64) {
            self.words.push(self.word);
            self.word = 0;
        }
    }

    /// Keeps the first `rows` bits.
    fn truncate(&mut self, rows: usize) {
        if rows >= self.rows {
            return;
        }
        let full = rows / 64;
        let partial = rows % 64;
        // The word holding row `rows`, masked to the bits kept.
        let word = if full < self.words.len() {
            self.words[full]
        } else {
            self.word
        };
        self.words.truncate(full);
        self.word = if partial == 0 {
            0
        } else {
            word & ((1u64 << partial) - 1)
        };
        let valid: usize = self
            .words
            .iter()
            .map(|w| w.count_ones() as usize)
            .sum::<usize>()
            + self.word.count_ones() as usize;
        self.rows = rows;
        self.nulls = rows - valid;
    }

    fn finish(mut self) -> Option<NullBuffer> {
        if self.nulls == 0 {
            return None;
        }
        if !self.rows.is_multiple_of(64) {
            self.words.push(self.word);
        }
        let bits = BooleanBuffer::new(into_buffer(self.words), 0, self.rows);
        // SAFETY: `nulls` counts exactly the zero bits among the first `rows`.
        Some(unsafe { NullBuffer::new_unchecked(bits, self.nulls) })
    }
}

/// A LargeUtf8 column, nullable or not.
pub struct StrColumn {
    offsets: Vec<i64>,
    bytes: Vec<u8>,
    validity: Option<Validity>,
}

impl StrColumn {
    pub fn with_capacity(rows: usize, bytes: usize, nullable: bool) -> Self {
        let mut offsets = take(rows + 1);
        offsets.push(0);
        StrColumn {
            offsets,
            bytes: take(bytes),
            validity: nullable.then(|| Validity {
                words: take(rows / 64 + 1),
                word: 0,
                rows: 0,
                nulls: 0,
            }),
        }
    }

    #[inline]
    fn end_row(&mut self) {
        // A Vec never holds more than isize::MAX bytes, so this cannot wrap.
        self.offsets.push(self.bytes.len() as i64);
        if let Some(validity) = &mut self.validity {
            validity.push(true);
        }
    }

    #[inline]
    pub fn push(&mut self, value: &str) {
        append(&mut self.bytes, value.as_bytes());
        self.end_row();
    }

    #[inline]
    pub fn push_option(&mut self, value: Option<&str>) {
        match value {
            Some(value) => self.push(value),
            None => self.push_null(),
        }
    }

    /// Appends a null; a non-nullable column stores an empty string instead.
    #[inline]
    pub fn push_null(&mut self) {
        self.offsets.push(self.bytes.len() as i64);
        if let Some(validity) = &mut self.validity {
            validity.push(false);
        }
    }

    /// Keeps the first `rows` values.
    pub fn truncate(&mut self, rows: usize) {
        if rows + 1 >= self.offsets.len() {
            return;
        }
        self.offsets.truncate(rows + 1);
        // Offsets are byte positions, never beyond the bytes' length.
        self.bytes.truncate(self.offsets[rows] as usize);
        if let Some(validity) = &mut self.validity {
            validity.truncate(rows);
        }
    }

    /// Writes one value in place with `write`, which appends to the bytes.
    ///
    /// # Safety
    /// `write` must append valid UTF-8 only (it may also leave the bytes as
    /// they were): `finish` does not check the bytes again.
    #[inline]
    pub unsafe fn push_with<E>(
        &mut self,
        write: impl FnOnce(&mut Vec<u8>) -> Result<(), E>,
    ) -> Result<(), E> {
        let start = self.bytes.len();
        match write(&mut self.bytes) {
            Ok(()) => {
                self.end_row();
                Ok(())
            }
            Err(e) => {
                self.bytes.truncate(start);
                Err(e)
            }
        }
    }

    pub fn finish(self) -> LargeStringArray {
        let offsets = ScalarBuffer::from(into_buffer(self.offsets));
        // SAFETY: offsets start at 0 and only grow (each row appends bytes).
        let offsets = unsafe { OffsetBuffer::new_unchecked(offsets) };
        debug_assert!(std::str::from_utf8(&self.bytes).is_ok());
        let nulls = self.validity.and_then(Validity::finish);
        // SAFETY: the bytes are whole `&str`s (push) or UTF-8 by the contract
        // of `push_with`, so each row starts and ends at a char boundary; the
        // last offset is the bytes' length.
        unsafe { LargeStringArray::new_unchecked(offsets, into_buffer(self.bytes), nulls) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Array;

    #[test]
    fn strings_nulls_and_in_place_rows_read_back() {
        let mut column = StrColumn::with_capacity(4, 16, true);
        column.push("ab");
        column.push_null();
        // SAFETY: appends ASCII only.
        unsafe {
            column.push_with(|b| {
                b.extend_from_slice(b"{}");
                Ok::<_, ()>(())
            })
        }
        .unwrap();
        // A failed write leaves no row and no bytes behind.
        unsafe {
            column.push_with(|b| {
                b.extend_from_slice(b"xx");
                Err(())
            })
        }
        .unwrap_err();
        column.push("é");
        for i in 0..100 {
            column.push_option((i % 3 != 0).then_some("x"));
        }
        let array = column.finish();
        assert_eq!(array.len(), 104);
        assert_eq!(array.null_count(), 1 + 34);
        assert!(array.is_null(4) && array.is_valid(5) && array.is_null(103));
        assert_eq!(array.value(0), "ab");
        assert!(array.is_null(1));
        assert_eq!(array.value(2), "{}");
        assert_eq!(array.value(3), "é");
    }

    #[test]
    fn truncated_columns_keep_exactly_their_first_rows() {
        for keep in [0, 1, 63, 64, 65, 100, 130] {
            let mut column = StrColumn::with_capacity(4, 16, true);
            let mut ints = I64Column::with_capacity(4);
            for i in 0..130 {
                column.push_option((i % 3 != 0).then_some("xy"));
                ints.push(i);
            }
            column.truncate(keep);
            ints.truncate(keep);
            // Rows written after a truncation land right after the kept ones.
            column.push("z");
            column.push_null();
            let array = column.finish();
            assert_eq!(array.len(), keep + 2);
            let kept_nulls = (0..keep).filter(|i| i % 3 == 0).count();
            assert_eq!(array.null_count(), kept_nulls + 1, "keep {keep}");
            for i in 0..keep {
                assert_eq!(array.is_null(i), i % 3 == 0);
            }
            assert_eq!(array.value(keep), "z");
            assert!(array.is_null(keep + 1));
            assert_eq!(ints.finish().len(), keep);
        }
    }

    #[test]
    fn one_value_dictionaries_of_any_length_read_back() {
        for rows in [0, 3, 1000, 10] {
            let column = one_value_dictionary("run-1", rows).unwrap();
            let dictionary = column
                .as_any()
                .downcast_ref::<DictionaryArray<Int32Type>>()
                .unwrap();
            assert_eq!(dictionary.len(), rows);
            assert!(dictionary.keys().values().iter().all(|&k| k == 0));
            let values = dictionary
                .values()
                .as_any()
                .downcast_ref::<LargeStringArray>();
            assert_eq!(values.unwrap().value(0), "run-1");
        }
    }

    #[test]
    fn i64_column_keeps_its_values() {
        let mut column = I64Column::with_capacity(2);
        column.push(i64::MIN);
        column.push(7);
        assert_eq!(column.finish().values().to_vec(), vec![i64::MIN, 7]);
    }
}
