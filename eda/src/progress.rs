//! Progress of long work, reported to whoever drives the library (the CLI draws bars;
//! tests and quiet callers pass [`Quiet`]).

/// Receives progress. Every method has a no-op default.
pub trait Progress: Sync {
    /// A new piece of work of `len` items.
    fn start(&self, _len: u64, _what: &str) {}
    /// Items done so far.
    fn set(&self, _done: u64) {}
    /// One more item done.
    fn inc(&self) {}
    /// What is being worked on now.
    fn message(&self, _msg: &str) {}
    /// A line for the user (above any bar).
    fn note(&self, _line: &str) {}
    /// The work is over.
    fn finish(&self) {}
}

/// Reports nothing.
pub struct Quiet;

impl Progress for Quiet {}
