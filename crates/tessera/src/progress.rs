//! Progress of long-running work (ingest, batch traces, scan stages,
//! evaluation), reported to whatever shows it: the CLI's bars, a Python
//! callback, nothing.

/// Progress of a long-running stage.
pub trait Progress: Sync {
    /// A stage starts, with `total` units of work (0 when unknown).
    fn start(&self, stage: &str, total: u64);
    /// `n` more units are done.
    fn advance(&self, n: u64);
    /// The stage is done.
    fn finish(&self);
}

/// Progress that reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Quiet;

impl Progress for Quiet {
    fn start(&self, _: &str, _: u64) {}
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
}
