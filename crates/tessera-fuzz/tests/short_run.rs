//! The short run of the fuzz targets, part of `cargo test`: every input of
//! the committed corpus, then a bounded number of mutations of it and of
//! arbitrary bytes per target (the long run is the `tessera-fuzz` binary).

use proptest::prelude::*;
use tessera_fuzz::{Rng, TARGETS, corpus, dictionary, mutate, target};

/// Mutations per target in the short run.
const CASES: u32 = 48;

#[test]
fn every_corpus_input_passes_every_target_it_belongs_to() {
    for (name, run) in TARGETS {
        let inputs = corpus(name).expect("the corpus folder");
        assert!(!inputs.is_empty(), "{name} has no corpus");
        for (file, data) in inputs {
            let outcome = std::panic::catch_unwind(|| run(&data));
            assert!(outcome.is_ok(), "{name}: corpus/{name}/{file} fails");
        }
    }
}

fn mutated(name: &str, pick: usize, seed: u64) -> Vec<u8> {
    let inputs = corpus(name).expect("the corpus folder");
    let base = &inputs[pick % inputs.len()].1;
    let other = &inputs[(pick / 7) % inputs.len()].1;
    mutate(&mut Rng::new(seed), base, other, dictionary(name))
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: CASES,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

macro_rules! short_run {
    ($test:ident, $name:literal) => {
        proptest! {
            #![proptest_config(config())]
            #[test]
            fn $test(pick in 0usize..1000, seed in any::<u64>(),
                     raw in proptest::collection::vec(any::<u8>(), 0..256)) {
                let run = target($name).expect("a target");
                run(&mutated($name, pick, seed));
                run(&raw);
            }
        }
    };
}

short_run!(jsonl_mutations, "jsonl");
short_run!(html_mutations, "html");
short_run!(compressed_mutations, "compressed");
short_run!(index_open_mutations, "index_open");
short_run!(http_mutations, "http");

#[test]
fn the_http_target_reaches_the_handlers() {
    // Answers come back although the client closes its side after sending.
    let add = std::fs::read(tessera_fuzz::corpus_dir("http").join("seed-add")).expect("seed");
    let answer = tessera_fuzz::answer_of(&add);
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
}
