//! The long run: mutates a target's corpus for as long as asked and saves
//! every input that panics (`crash-…`) or runs too long (`slow-…`, and the
//! process stops) into the corpus folder, where `cargo test` replays it.
//!
//! ```text
//! tessera-fuzz <target|all> [--seconds N] [--seed S] [--slow SECONDS]
//! ```
//!
//! With `all`, every target gets `--seconds`. Exit status 1 when an input
//! failed.

use std::panic::AssertUnwindSafe;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tessera_fuzz::{Rng, TARGETS, Target, corpus, corpus_dir, dictionary, input_name, mutate};

struct Args {
    targets: Vec<(&'static str, Target)>,
    seconds: u64,
    seed: u64,
    slow: u64,
}

fn parse() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let name = it
        .next()
        .ok_or("usage: tessera-fuzz <target|all> [--seconds N] [--seed S] [--slow SECONDS]")?;
    let targets: Vec<_> = TARGETS
        .iter()
        .filter(|(n, _)| name == "all" || *n == name)
        .copied()
        .collect();
    if targets.is_empty() {
        let names: Vec<&str> = TARGETS.iter().map(|(n, _)| *n).collect();
        return Err(format!(
            "unknown target {name:?}; targets: all, {}",
            names.join(", ")
        ));
    }
    let mut args = Args {
        targets,
        seconds: 60,
        seed: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64),
        slow: 10,
    };
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        let n: u64 = value
            .parse()
            .map_err(|_| format!("{flag}: not a number: {value}"))?;
        match flag.as_str() {
            "--seconds" => args.seconds = n,
            "--seed" => args.seed = n,
            "--slow" => args.slow = n,
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    Ok(args)
}

fn save(target: &str, prefix: &str, data: &[u8]) -> String {
    let path = corpus_dir(target).join(input_name(prefix, data));
    if let Err(e) = std::fs::write(&path, data) {
        eprintln!("cannot save {}: {e}", path.display());
    }
    path.display().to_string()
}

/// The input in progress, for the watchdog.
type Current = Arc<Mutex<Option<(&'static str, Instant, Vec<u8>)>>>;

/// Saves the input in progress and ends the process when it runs longer
/// than `slow` (a hang cannot be interrupted from inside).
fn watchdog(current: Current, slow: Duration) {
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(Duration::from_millis(250));
            let guard = current.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((target, since, data)) = guard.as_ref()
                && since.elapsed() > slow
            {
                let at = save(target, "slow", data);
                eprintln!("{target}: an input ran longer than {slow:?}; saved as {at}");
                std::process::exit(1);
            }
        }
    });
}

fn run_target(name: &'static str, target: Target, args: &Args, current: &Current) -> u64 {
    let seeds = match corpus(name) {
        Ok(s) if !s.is_empty() => s,
        Ok(_) => vec![(String::new(), Vec::new())],
        Err(e) => {
            eprintln!("{name}: cannot read {}: {e}", corpus_dir(name).display());
            return 1;
        }
    };
    let words = dictionary(name);
    let mut rng = Rng::new(args.seed ^ crc32fast_like(name));
    let started = Instant::now();
    let (mut runs, mut failures, mut slowest) = (0u64, 0u64, Duration::ZERO);
    while started.elapsed() < Duration::from_secs(args.seconds) {
        let base = &seeds[rng.below(seeds.len())].1;
        let other = &seeds[rng.below(seeds.len())].1;
        let data = mutate(&mut rng, base, other, words);
        let t = Instant::now();
        *current.lock().unwrap_or_else(|p| p.into_inner()) = Some((name, t, data.clone()));
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| target(&data)));
        *current.lock().unwrap_or_else(|p| p.into_inner()) = None;
        slowest = slowest.max(t.elapsed());
        runs += 1;
        if outcome.is_err() {
            failures += 1;
            let at = save(name, "crash", &data);
            eprintln!("{name}: an input panicked; saved as {at}");
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{name}: {runs} inputs in {secs:.0} s ({:.0}/s), slowest {:.2} s, {failures} failed, corpus {} inputs",
        runs as f64 / secs.max(1e-9),
        slowest.as_secs_f64(),
        seeds.len()
    );
    failures
}

/// A stable number per target name, so that targets of one run use
/// different mutation streams.
fn crc32fast_like(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

fn main() -> ExitCode {
    let args = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let current: Current = Arc::new(Mutex::new(None));
    watchdog(Arc::clone(&current), Duration::from_secs(args.slow));
    println!("seed {}", args.seed);
    let mut failures = 0;
    for (name, target) in &args.targets {
        failures += run_target(name, *target, &args, &current);
    }
    if failures > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
