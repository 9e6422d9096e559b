//! The fuzz targets' corpora (`fuzz/corpus/`, minimised by `cargo fuzz cmin` after each
//! campaign, with every input that once crashed a target) replayed through the same bodies
//! (`treatywatch::fuzzing`), so that what the fuzzer found stays fixed without a fuzzer.

use std::path::Path;

type Target = fn(&[u8]);

const TARGETS: &[(&str, Target)] = &[
    ("feed", treatywatch::fuzzing::feed),
    ("page", treatywatch::fuzzing::page),
    ("url", treatywatch::fuzzing::url),
    ("config", treatywatch::fuzzing::config),
    ("topic", treatywatch::fuzzing::topic),
    ("details", treatywatch::fuzzing::details),
    ("api", treatywatch::fuzzing::api),
];

#[test]
fn every_fuzz_corpus_replays_cleanly() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    for (name, target) in TARGETS {
        let dir = root.join(name);
        let mut inputs: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        inputs.sort();
        assert!(!inputs.is_empty(), "{}: an empty corpus", dir.display());
        for input in inputs {
            let data = std::fs::read(&input).unwrap();
            // A panic names the input that caused it.
            let outcome = std::panic::catch_unwind(|| target(&data));
            assert!(outcome.is_ok(), "{name}: {} panics", input.display());
        }
    }
}
