//! tessera's errors as Python exceptions: one class per kind the library
//! distinguishes (defined in `tessera/_errors.py`, so that they can also
//! derive from `OSError` or `KeyError`), carrying the file, line, document
//! id or path of the error as attributes.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use tessera::eval::EvalError;
use tessera::index::Error as IndexError;

/// The exception class of an error and its attributes.
struct Raised {
    class: &'static str,
    attrs: Vec<(&'static str, Attr)>,
}

enum Attr {
    Str(Option<String>),
    Int(Option<u64>),
    List(Vec<String>),
}

fn s(v: impl Into<String>) -> Attr {
    Attr::Str(Some(v.into()))
}

fn path(p: &std::path::Path) -> Attr {
    s(p.display().to_string())
}

fn index_error(e: &IndexError) -> Raised {
    let (class, attrs) = match e {
        IndexError::Locked { path: p } => ("IndexLockedError", vec![("path", path(p))]),
        IndexError::Corrupt { path: p, .. } => ("CorruptIndexError", vec![("path", path(p))]),
        IndexError::IncompatibleFormat {
            path: p,
            found,
            supported,
        } => (
            "IncompatibleFormatError",
            vec![
                ("path", path(p)),
                ("found", Attr::Int(Some(u64::from(*found)))),
                ("supported", Attr::Int(Some(u64::from(*supported)))),
            ],
        ),
        IndexError::NotAnIndex { path: p, .. } => ("NotAnIndexError", vec![("path", path(p))]),
        IndexError::MissingManifest { path: p, .. } => {
            ("MissingManifestError", vec![("path", path(p))])
        }
        IndexError::NotFound { ids } => (
            "DocumentNotFoundError",
            vec![("ids", Attr::List(ids.clone()))],
        ),
        IndexError::InvalidDocument { id, .. } => {
            ("BadInputError", vec![("document_id", s(id.clone()))])
        }
        IndexError::Io { path: p, .. } => ("TesseraIOError", vec![("path", path(p))]),
        _ => ("TesseraError", vec![]),
    };
    Raised { class, attrs }
}

fn eval_error(e: &EvalError) -> Raised {
    let (class, attrs) = match e {
        EvalError::Io { path: p, .. } => ("TesseraIOError", vec![("path", path(p))]),
        EvalError::Malformed { path: p, line, .. } => (
            "BadInputError",
            vec![("file", path(p)), ("line", Attr::Int(*line))],
        ),
        EvalError::UnknownLayout { path: p } => ("BadInputError", vec![("file", path(p))]),
    };
    Raised { class, attrs }
}

fn classify(e: &tessera::Error) -> Raised {
    use tessera::Error as E;
    match e {
        E::Index(i) => index_error(i),
        E::Eval(v) => eval_error(v),
        E::Io { path: p, .. } => Raised {
            class: "TesseraIOError",
            attrs: vec![("path", path(p))],
        },
        E::Input { location, reason } => Raised {
            class: "BadInputError",
            attrs: vec![("file", s(location.clone())), ("reason", s(reason.clone()))],
        },
        E::BadRecord(r) => Raised {
            class: "BadInputError",
            attrs: vec![
                ("file", s(r.location.file.clone())),
                ("line", Attr::Int(r.location.line)),
                ("document_id", Attr::Str(r.id.clone())),
                ("reason", s(r.reason.clone())),
            ],
        },
        E::UnknownDocument(id) => Raised {
            class: "DocumentNotFoundError",
            attrs: vec![("ids", Attr::List(vec![id.clone()]))],
        },
        _ => Raised {
            class: "TesseraError",
            attrs: vec![],
        },
    }
}

/// The Python exception of a library error.
pub fn to_py(e: tessera::Error) -> PyErr {
    Python::attach(|py| {
        let raised = classify(&e);
        raise(py, raised.class, &e.to_string(), raised.attrs)
            .unwrap_or_else(|err| PyRuntimeError::new_err(format!("{e} ({err})")))
    })
}

/// An exception of class `class` (of `tessera._errors`) with a message.
pub fn error(class: &'static str, message: impl Into<String>) -> PyErr {
    let message = message.into();
    Python::attach(|py| {
        raise(py, class, &message, vec![])
            .unwrap_or_else(|err| PyRuntimeError::new_err(format!("{message} ({err})")))
    })
}

fn raise(
    py: Python<'_>,
    class: &str,
    message: &str,
    attrs: Vec<(&'static str, Attr)>,
) -> PyResult<PyErr> {
    let cls = py.import("tessera._errors")?.getattr(class)?;
    let kwargs = PyDict::new(py);
    for (k, v) in attrs {
        match v {
            Attr::Str(x) => kwargs.set_item(k, x)?,
            Attr::Int(x) => kwargs.set_item(k, x)?,
            Attr::List(x) => kwargs.set_item(k, x)?,
        }
    }
    let exc = cls.call((message,), Some(&kwargs))?;
    Ok(PyErr::from_value(exc))
}

/// What a piece of library work ended with, a panic included (as its
/// message): `Send`, so that it can leave a detached section or a thread.
pub type Outcome<T> = Result<tessera::Result<T>, String>;

/// Runs library work, catching a panic.
pub fn caught<T>(work: impl FnOnce() -> tessera::Result<T>) -> Outcome<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).map_err(|p| panic_message(&*p))
}

/// The message of a panic payload.
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// The Python result of library work: its errors as exceptions of their
/// kind, a panic as a `TesseraError` (a panic never crosses into Python
/// as such).
pub fn finish<T>(outcome: Outcome<T>) -> PyResult<T> {
    match outcome {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(to_py(e)),
        Err(what) => Err(error(
            "TesseraError",
            format!("internal error in tessera: {what}"),
        )),
    }
}
