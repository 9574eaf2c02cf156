//! A collection: an index directory to read and write from a long-lived
//! process (the HTTP server, the Python package). Reads go to a snapshot
//! of the last commit and never wait for writes; writes are serialized,
//! commit, and swap in a new snapshot. Readers that started earlier finish
//! on the old one.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use serde_json::Value;
use tessera_index::{
    DocMeta, DuplicatePolicy, Index, IndexSettings, IndexStats, IndexWriter, Manifest,
    WriterOptions,
};

use crate::config::TraceConfig;
use crate::engine::{Engine, Query};
use crate::error::{Error, Result};
use crate::ingest::{
    Indexer, IngestOptions, IngestReport, Item, Location, ingest_jsonl, ingest_paths,
    record_to_item,
};
use crate::report::TraceReport;

/// How a batch of documents is added.
#[derive(Debug, Clone, Default)]
pub struct AddOptions {
    /// Field names, size limit and encoding of the records.
    pub ingest: IngestOptions,
    /// What happens to an id that is already indexed.
    pub duplicates: DuplicatePolicy,
    /// The first bad record is an error ([`Error::BadRecord`]) and nothing
    /// is committed; otherwise bad records are counted and skipped.
    pub strict: bool,
}

/// An index directory with a snapshot for readers and one writer at a time.
///
/// ```
/// use tessera::{AddOptions, Collection};
///
/// let dir = tempfile::tempdir()?;
/// let c = Collection::open_or_create(&dir.path().join("news.idx"))?;
/// let wire = serde_json::json!({"id": "afp-1", "date": "2016-07-15",
///     "text": "On the second and final day of his visit to Moscow, Kerry called for \
///              stepping up cooperation between the United States and Russia."});
/// let added = c.add_records(vec![wire], &AddOptions::default())?;
/// assert_eq!((added.added, c.len()), (1, 1));
///
/// let report = c.trace_text("q1", None, "Kerry called for stepping up cooperation between \
///     the United States and Russian Federation, officials said on Friday.", Some("2016-07-16"))?;
/// assert_eq!(report.passages[0].source_id, "afp-1");
/// assert_eq!(c.get("afp-1")?.map(|(meta, _)| meta.date), Some(Some("2016-07-15".into())));
/// c.delete(&["afp-1".into()], false)?;
/// assert_eq!(c.len(), 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Collection {
    dir: PathBuf,
    config: TraceConfig,
    snapshot: RwLock<Arc<Engine>>,
    writes: Mutex<()>,
}

impl Collection {
    /// Opens the index in `dir`.
    pub fn open(dir: &Path) -> Result<Collection> {
        Collection::open_with(dir, TraceConfig::default())
    }

    /// Opens the index in `dir`, creating an empty one when `dir` does not
    /// exist or is empty (a folder of other files is refused, and so is a
    /// folder of segments without a manifest).
    pub fn open_or_create(dir: &Path) -> Result<Collection> {
        Collection::open_or_create_with(dir, TraceConfig::default())
    }

    /// [`Collection::open_or_create`] with a trace configuration.
    pub fn open_or_create_with(dir: &Path, config: TraceConfig) -> Result<Collection> {
        if !dir.join(tessera_index::MANIFEST).exists() {
            drop(IndexWriter::open_or_create(
                dir,
                IndexSettings::default(),
                WriterOptions::default(),
            )?);
        }
        Collection::open_with(dir, config)
    }

    /// Opens the index in `dir` with a trace configuration.
    pub fn open_with(dir: &Path, config: TraceConfig) -> Result<Collection> {
        let engine = Engine::new(Index::open(dir)?, config.clone());
        Ok(Collection {
            dir: dir.to_path_buf(),
            config,
            snapshot: RwLock::new(Arc::new(engine)),
            writes: Mutex::new(()),
        })
    }

    /// The directory of the index.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The last committed state, to trace against (cheap: a shared pointer).
    pub fn engine(&self) -> Arc<Engine> {
        match self.snapshot.read() {
            Ok(g) => Arc::clone(&g),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Picks up a commit made by another writer (a `tessera index` command
    /// on the same directory, another process): when the generation in the
    /// `MANIFEST` differs from the snapshot's, the index is reopened,
    /// reusing the segments already verified, and the new state is
    /// published. Returns whether it was. Cheap when nothing changed (one
    /// read of the small manifest file); a long-lived process calls it on
    /// a short interval. Readers that started earlier finish on the old
    /// snapshot.
    pub fn refresh(&self) -> Result<bool> {
        let current = self.engine();
        let on_disk = Manifest::read(&self.dir)?.generation;
        if on_disk == current.index().manifest().generation {
            return Ok(false);
        }
        // Not while this collection writes: its own commit publishes itself.
        let _turn = self.writes.lock().unwrap_or_else(|p| p.into_inner());
        let current = self.engine();
        let index = current.index().reopen()?;
        if index.manifest().generation == current.index().manifest().generation {
            return Ok(false);
        }
        self.publish(index);
        Ok(true)
    }

    fn publish(&self, index: Index) {
        let engine = Arc::new(Engine::new(index, self.config.clone()));
        match self.snapshot.write() {
            Ok(mut g) => *g = engine,
            Err(poisoned) => *poisoned.into_inner() = engine,
        }
    }

    /// Runs `work` with the writer, then commits and publishes the new
    /// state. Nothing is committed when `work` fails.
    fn write<T>(
        &self,
        opts: WriterOptions,
        work: impl FnOnce(&mut IndexWriter) -> Result<T>,
    ) -> Result<T> {
        let _turn = self.writes.lock().unwrap_or_else(|p| p.into_inner());
        let current = self.engine();
        let mut w = IndexWriter::open_from(current.index(), opts)?;
        let out = work(&mut w)?;
        w.commit()?;
        self.publish(w.index().reopen()?);
        Ok(out)
    }

    fn writer_options(opts: &AddOptions) -> WriterOptions {
        WriterOptions {
            duplicates: opts.duplicates,
            ..WriterOptions::default()
        }
    }

    /// Adds records (JSON objects with the fields named in
    /// `opts.ingest.fields`: an id, a text, optional title, outlet, url and
    /// date, anything else kept as metadata) and commits. Record `k` is
    /// named `records:k` (1-based) in the report of skipped records.
    pub fn add_records(
        &self,
        records: impl IntoIterator<Item = Value>,
        opts: &AddOptions,
    ) -> Result<IngestReport> {
        let items = records.into_iter().enumerate().map(|(k, v)| {
            let location = Location {
                file: "records".into(),
                line: Some(k as u64 + 1),
            };
            Ok(record_to_item(v, location, &opts.ingest))
        });
        self.add_items(items, opts)
    }

    /// Adds items read by the caller (a binding that turns its own objects
    /// into records with [`record_to_item`], say) and commits. The first
    /// error of `items` stops the batch and nothing is committed; strict as
    /// in [`AddOptions::strict`].
    pub fn add_items(
        &self,
        items: impl IntoIterator<Item = Result<Item>>,
        opts: &AddOptions,
    ) -> Result<IngestReport> {
        self.write(Self::writer_options(opts), |w| {
            let mut indexer = Indexer::new(w);
            for item in items {
                match item? {
                    Item::Skipped(s) if opts.strict => return Err(Error::BadRecord(Box::new(s))),
                    item => indexer.push(item)?,
                }
            }
            indexer.finish()
        })
    }

    /// Adds what the files, folders or `-` (standard input) at `paths` hold
    /// (JSON Lines, text, HTML, compressed or not) and commits. `progress`
    /// receives the input bytes read.
    pub fn add_paths(
        &self,
        paths: &[PathBuf],
        opts: &AddOptions,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<IngestReport> {
        self.write(Self::writer_options(opts), |w| {
            ingest_paths(w, paths, &opts.ingest, opts.strict, progress)
        })
    }

    /// Adds the JSON Lines of `reader` (named `name` in the report) and
    /// commits.
    pub fn add_jsonl(
        &self,
        name: &str,
        reader: impl BufRead,
        opts: &AddOptions,
    ) -> Result<IngestReport> {
        self.write(Self::writer_options(opts), |w| {
            ingest_jsonl(w, name, reader, &opts.ingest, opts.strict)
        })
    }

    /// Deletes documents by id and commits. All or nothing: an id that is
    /// not indexed is an error unless `ignore_missing`. Returns how many
    /// were deleted.
    pub fn delete(&self, ids: &[String], ignore_missing: bool) -> Result<u64> {
        self.write(WriterOptions::default(), |w| match w.delete(ids) {
            Err(tessera_index::Error::NotFound { ids: missing }) if ignore_missing => {
                let present: Vec<String> = ids
                    .iter()
                    .filter(|i| !missing.contains(i))
                    .cloned()
                    .collect();
                Ok(w.delete(&present)?)
            }
            other => Ok(other?),
        })
    }

    /// Rewrites the index without its deleted documents.
    pub fn compact(&self) -> Result<()> {
        self.write(WriterOptions::default(), |w| Ok(w.compact()?))
    }

    /// Figures about the index.
    pub fn stats(&self) -> IndexStats {
        self.engine().index().stats()
    }

    /// Live documents.
    pub fn len(&self) -> u64 {
        self.engine().index().num_docs()
    }

    /// Whether the index holds no live document.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A document's metadata and text, if it is indexed.
    pub fn get(&self, id: &str) -> Result<Option<(DocMeta, String)>> {
        let engine = self.engine();
        let index = engine.index();
        match index.find(id) {
            Some(a) => Ok(Some((index.meta(a)?, index.text(a)?))),
            None => Ok(None),
        }
    }

    /// Traces a text against the index; with its `date` (ISO 8601),
    /// documents dated later are reported as later copies, never as
    /// sources.
    pub fn trace_text(
        &self,
        id: &str,
        title: Option<&str>,
        text: &str,
        date: Option<&str>,
    ) -> Result<TraceReport> {
        self.engine().trace(&Query {
            id,
            title,
            text,
            date,
            exclude: None,
        })
    }

    /// Traces an indexed document against the rest of the index.
    pub fn trace_id(&self, id: &str) -> Result<TraceReport> {
        self.engine().trace_id(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_picks_up_commits_of_another_writer() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("idx");
        let served = Collection::open_or_create(&path).expect("collection");
        let other = Collection::open(&path).expect("another process");
        let rec = |id: &str| serde_json::json!({"id": id, "text": "Oil prices rose sharply on Tuesday after the cartel agreed to cut production."});
        other
            .add_records([rec("a"), rec("b")], &AddOptions::default())
            .expect("add");
        assert_eq!(served.len(), 0, "the old snapshot until a refresh");
        assert!(served.refresh().expect("refresh"));
        assert_eq!(served.len(), 2);
        assert!(!served.refresh().expect("nothing new"));
        other.delete(&["a".into()], false).expect("delete");
        other.compact().expect("compact");
        assert!(served.get("a").expect("get").is_some());
        assert!(served.refresh().expect("refresh"));
        assert!(
            served.get("a").expect("get").is_none(),
            "a deleted document is gone"
        );
        assert_eq!(
            served.engine().index().manifest().generation,
            other.engine().index().manifest().generation
        );
    }
}
