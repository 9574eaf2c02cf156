//! Small file-system helpers of the modules that write index files: atomic
//! replacement of a small file (manifest, deletion file), syncing a
//! directory after renames, and the fault-injection points at which the
//! crash tests abort a writer.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{IoContext, Result};

/// Aborts the process when the environment variable `TESSERA_FAILPOINT`
/// names this point. Crash tests use it to kill a writer at each step of a
/// commit; it costs one cached lookup otherwise. Compiled in only with the
/// `failpoints` feature (the test build of the `tessera` binary).
#[cfg(feature = "failpoints")]
pub(crate) fn failpoint(name: &str) {
    static POINT: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let point = POINT.get_or_init(|| std::env::var("TESSERA_FAILPOINT").ok());
    if point.as_deref() == Some(name) {
        eprintln!("tessera: failpoint {name} reached, aborting");
        std::process::abort();
    }
}

/// Fails with "no space left on device" when `TESSERA_FAILPOINT` names
/// this point: the tests of a full disk (the server's 507) use it.
#[cfg(feature = "failpoints")]
pub(crate) fn failpoint_io(name: &str) -> std::io::Result<()> {
    if std::env::var("TESSERA_FAILPOINT").ok().as_deref() == Some(name) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::StorageFull,
            format!("No space left on device (failpoint {name})"),
        ));
    }
    Ok(())
}

/// Without the `failpoints` feature, fault injection is compiled out.
#[cfg(not(feature = "failpoints"))]
#[inline(always)]
pub(crate) fn failpoint_io(_name: &str) -> std::io::Result<()> {
    Ok(())
}

/// Without the `failpoints` feature, fault injection is compiled out.
#[cfg(not(feature = "failpoints"))]
#[inline(always)]
pub(crate) fn failpoint(_name: &str) {}

/// Writes `bytes` to `path` through a synced temporary file and a rename.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let mut f = File::create(&tmp).at(&tmp)?;
    f.write_all(bytes).at(&tmp)?;
    f.sync_all().at(&tmp)?;
    drop(f);
    std::fs::rename(&tmp, path).at(path)
}

/// Makes renames inside `dir` durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir).and_then(|d| d.sync_all()).at(dir)
}
