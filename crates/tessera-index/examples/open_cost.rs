//! What opening an index costs, and how much of it is the structural
//! check (`Segment::check_structure`) beside the checksums. Warm page
//! cache; the median of several runs.
//!
//! ```sh
//! cargo run --release -p tessera-index --example open_cost -- INDEX_DIR [RUNS]
//! ```

use std::path::PathBuf;
use std::time::{Duration, Instant};

use tessera_index::{Index, Manifest, Segment};

fn median(mut xs: Vec<Duration>) -> f64 {
    xs.sort();
    xs[xs.len() / 2].as_secs_f64() * 1000.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().ok_or("usage: open_cost INDEX_DIR [RUNS]")?);
    let runs: usize = args.next().map_or(Ok(7), |r| r.parse())?;
    let manifest = Manifest::read(&dir)?;
    let (mut open, mut crc, mut structure) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        let t = Instant::now();
        let index = Index::open(&dir)?;
        open.push(t.elapsed());
        drop(index);
        let segments: Vec<Segment> = manifest
            .segments
            .iter()
            .map(|s| Segment::open(&dir.join(&s.name)))
            .collect::<Result<_, _>>()?;
        let t = Instant::now();
        for s in &manifest.segments {
            let bytes = std::fs::read(dir.join(&s.name))?;
            std::hint::black_box(crc32fast::hash(&bytes[..bytes.len() - 16]));
        }
        crc.push(t.elapsed());
        let t = Instant::now();
        for s in &segments {
            s.check_structure()?;
        }
        structure.push(t.elapsed());
    }
    let bytes: u64 = manifest.segments.iter().map(|s| s.bytes).sum();
    let docs: u64 = manifest.segments.iter().map(|s| u64::from(s.docs)).sum();
    println!(
        "{} segments, {docs} documents, {:.1} MB; median of {runs} runs, warm page cache:",
        manifest.segments.len(),
        bytes as f64 / 1e6
    );
    let (o, c, s) = (median(open), median(crc), median(structure));
    println!("  Index::open (checksums and structure):  {o:.1} ms");
    println!(
        "  without the structural check (open - structure): {:.1} ms",
        o - s
    );
    println!("  read + CRC-32 of the files alone:       {c:.1} ms");
    println!(
        "  the structural check alone:             {s:.1} ms ({:.0}% of the open)",
        100.0 * s / o
    );
    Ok(())
}
