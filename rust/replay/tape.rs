//! A batch's events as a flat tape of build steps, made on the reader
//! thread: jiter walks each row's stored details, and every short text is
//! given a small id the first time it is seen. The caller's thread then only
//! follows the tape to build Python objects, with no parsing and no hashing
//! (`dicts`), while this thread prepares the next batch.

use arrow_array::RecordBatch;
use jiter::{Jiter, JiterError, NumberAny, NumberInt, Peek};

use crate::columns::interner::FastMap;
use crate::replay::arrow_import::{int_column, TextColumn};

/// One step of building the events.
#[derive(Clone, Copy)]
pub enum Op {
    /// A dict of this many entries: each a key step, then a value's steps.
    Dict(u32),
    /// A list of this many values.
    List(u32),
    /// The shared string of this id.
    Str(u32),
    /// A new shared string, `len` bytes of the arena from `start`; its id is
    /// the next one.
    NewStr(u32, u32),
    /// A string made for this one use (long texts), from the arena.
    Text(u32, u32),
    Int(i64),
    Float(f64),
    Bool(bool),
    Null,
}

/// The ids of `event_type` and `tick`, the keys every event starts with.
pub const EVENT_TYPE_ID: u32 = 0;
pub const TICK_ID: u32 = 1;

/// Texts longer than this are rarely repeated: not shared.
const LONGEST: usize = 64;
/// At most this many shared strings per read (say, a run of many tx ids).
const MOST: usize = 1 << 16;
/// Nesting deeper than the writer accepts is refused here too.
const MAX_DEPTH: usize = 128;

#[derive(Default)]
pub struct Tape {
    pub ops: Vec<Op>,
    pub arena: Vec<u8>,
}

/// Made once per read: the ids of the short texts seen so far.
pub struct TapeWriter {
    ids: FastMap<Box<str>, u32>,
    jiter_tape: Vec<u8>,
}

impl Default for TapeWriter {
    fn default() -> Self {
        let mut ids = FastMap::default();
        ids.insert("event_type".into(), EVENT_TYPE_ID);
        ids.insert("tick".into(), TICK_ID);
        TapeWriter {
            ids,
            jiter_tape: Vec::new(),
        }
    }
}

type Failure = String;

/// Why a row's details could not be walked.
enum Stop {
    Json(JiterError),
    NotAnObject,
    TooDeep,
}

impl From<JiterError> for Stop {
    fn from(error: JiterError) -> Self {
        Stop::Json(error)
    }
}

fn located(row: usize, jiter: &Jiter<'_>, stop: &Stop) -> Failure {
    match stop {
        Stop::Json(error) => {
            let at = jiter.error_position(error.index);
            format!("row {row}: the stored details are not valid JSON: {error} at {at}")
        }
        Stop::NotAnObject => format!("row {row}: the stored details are not a JSON object"),
        Stop::TooDeep => format!("row {row}: the stored details nest deeper than {MAX_DEPTH}"),
    }
}

impl TapeWriter {
    /// The events of `batch` (columns `event_type`, `tick`, `details`) as a
    /// tape, written into `tape` (a spent one, reused).
    pub fn write(&mut self, batch: &RecordBatch, tape: &mut Tape) -> Result<(), Failure> {
        tape.ops.clear();
        tape.arena.clear();
        tape.ops.reserve(batch.num_rows() * 16);
        let types = TextColumn::of(batch, "event_type")?;
        let ticks = int_column(batch, "tick")?;
        let details = TextColumn::of(batch, "details")?;
        for (row, &tick) in ticks.iter().enumerate() {
            let (Some(event_type), Some(text)) = (types.get(row), details.get(row)) else {
                return Err(format!(
                    "row {row} of the result has no event_type or no details"
                ));
            };
            let at = tape.ops.len();
            tape.ops.push(Op::Dict(0));
            tape.ops.push(Op::Str(EVENT_TYPE_ID));
            let op = self.string(event_type, tape);
            tape.ops.push(op);
            tape.ops.push(Op::Str(TICK_ID));
            tape.ops.push(Op::Int(tick));
            let mut jiter = Jiter::with_tape(text.as_bytes(), std::mem::take(&mut self.jiter_tape));
            let fields = self.details(&mut jiter, tape);
            let fields = fields.map_err(|e| located(row, &jiter, &e));
            self.jiter_tape = jiter.into_tape();
            tape.ops[at] = Op::Dict(fields? + 2);
        }
        Ok(())
    }

    fn string(&mut self, text: &str, tape: &mut Tape) -> Op {
        if text.len() <= LONGEST {
            if let Some(&id) = self.ids.get(text) {
                return Op::Str(id);
            }
        }
        let (start, len) = (tape.arena.len() as u32, text.len() as u32);
        tape.arena.extend_from_slice(text.as_bytes());
        if text.len() <= LONGEST && self.ids.len() < MOST {
            self.ids.insert(text.into(), self.ids.len() as u32);
            Op::NewStr(start, len)
        } else {
            Op::Text(start, len)
        }
    }

    /// One row's details: an object, and nothing after it.
    fn details(&mut self, jiter: &mut Jiter<'_>, tape: &mut Tape) -> Result<u32, Stop> {
        if jiter.peek()? != Peek::Object {
            return Err(Stop::NotAnObject);
        }
        let entries = self.object(jiter, tape, 1)?;
        jiter.finish()?;
        Ok(entries)
    }

    fn value(
        &mut self,
        jiter: &mut Jiter<'_>,
        peek: Peek,
        tape: &mut Tape,
        depth: usize,
    ) -> Result<(), Stop> {
        let op = match peek {
            Peek::Null => {
                jiter.known_null()?;
                Op::Null
            }
            Peek::True | Peek::False => Op::Bool(jiter.known_bool(peek)?),
            Peek::String => {
                let text = jiter.known_str()?;
                self.string(text, tape)
            }
            Peek::Array | Peek::Object if depth >= MAX_DEPTH => return Err(Stop::TooDeep),
            Peek::Array => {
                let at = tape.ops.len();
                tape.ops.push(Op::List(0));
                let mut items = 0;
                let mut next = jiter.known_array()?;
                while let Some(peek) = next {
                    self.value(jiter, peek, tape, depth + 1)?;
                    items += 1;
                    next = jiter.array_step()?;
                }
                tape.ops[at] = Op::List(items);
                return Ok(());
            }
            Peek::Object => {
                let at = tape.ops.len();
                tape.ops.push(Op::Dict(0));
                let entries = self.object(jiter, tape, depth + 1)?;
                tape.ops[at] = Op::Dict(entries);
                return Ok(());
            }
            _ => match jiter.known_number(peek)? {
                NumberAny::Int(NumberInt::Int(i)) => Op::Int(i),
                NumberAny::Float(f) => Op::Float(f),
            },
        };
        tape.ops.push(op);
        Ok(())
    }

    /// The object `jiter` is at (its brace peeked); returns its entries.
    fn object(
        &mut self,
        jiter: &mut Jiter<'_>,
        tape: &mut Tape,
        depth: usize,
    ) -> Result<u32, Stop> {
        let mut entries = 0;
        let mut key = match jiter.known_object()? {
            Some(key) => self.string(key, tape),
            None => return Ok(0),
        };
        loop {
            tape.ops.push(key);
            let peek = jiter.peek()?;
            self.value(jiter, peek, tape, depth)?;
            entries += 1;
            key = match jiter.next_key()? {
                Some(next) => self.string(next, tape),
                None => return Ok(entries),
            };
        }
    }
}
