//! Progress of long work, reported to a Python callable
//! `callback(stage, done, total, finished)` (the Python layer's stderr bar,
//! or the user's own). Calls are throttled to a few a second and made with
//! the GIL taken for the call only; an exception raised by the callback is
//! reported as unraisable and the work goes on.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use pyo3::prelude::*;

const EVERY: Duration = Duration::from_millis(100);

struct State {
    stage: String,
    total: u64,
    done: u64,
    shown: Option<Instant>,
}

/// Progress reported to an optional Python callable.
pub struct PyProgress {
    callback: Option<Py<PyAny>>,
    state: Mutex<State>,
}

impl PyProgress {
    /// Progress for `callback` (`None`: nothing is reported).
    pub fn new(callback: Option<Py<PyAny>>) -> PyProgress {
        PyProgress {
            callback,
            state: Mutex::new(State {
                stage: String::new(),
                total: 0,
                done: 0,
                shown: None,
            }),
        }
    }

    fn call(&self, stage: &str, done: u64, total: u64, finished: bool) {
        if let Some(cb) = &self.callback {
            Python::attach(|py| {
                if let Err(e) = cb.call1(py, (stage, done, total, finished)) {
                    e.write_unraisable(py, Some(cb.bind(py)));
                }
            });
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts a stage of `total` units (0: unknown).
    pub fn start_stage(&self, stage: &str, total: u64) {
        {
            let mut s = self.lock();
            s.stage = stage.to_string();
            s.total = total;
            s.done = 0;
            s.shown = Some(Instant::now());
        }
        self.call(stage, 0, total, false);
    }

    /// `n` more units are done.
    pub fn add(&self, n: u64) {
        if self.callback.is_none() {
            return;
        }
        let show = {
            let mut s = self.lock();
            s.done += n;
            let due = s.shown.is_none_or(|t| t.elapsed() >= EVERY);
            if due {
                s.shown = Some(Instant::now());
            }
            due.then(|| (s.stage.clone(), s.done, s.total))
        };
        if let Some((stage, done, total)) = show {
            self.call(&stage, done, total, false);
        }
    }

    /// The stage is done.
    pub fn end_stage(&self) {
        let (stage, done, total) = {
            let s = self.lock();
            (s.stage.clone(), s.done, s.total)
        };
        self.call(&stage, done, total, true);
    }
}

impl tessera::progress::Progress for PyProgress {
    fn start(&self, stage: &str, total: u64) {
        self.start_stage(stage, total);
    }
    fn advance(&self, n: u64) {
        self.add(n);
    }
    fn finish(&self) {
        self.end_stage();
    }
}
