//! Builds the common-word lists (`data/words.*.txt`, see `tools/common_words`) into finite state
//! transducers the binary embeds: a lookup then reads a few hundred bytes of a 0.4 MB set, where
//! a binary search of the 1.2 MB text touched a page of it per step.

use std::path::PathBuf;

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    for lang in ["en", "es"] {
        let source = format!("data/words.{lang}.txt");
        println!("cargo:rerun-if-changed={source}");
        let text = std::fs::read_to_string(root.join(&source)).unwrap_or_else(|e| panic!("{source}: {e}"));
        // The generator writes the words sorted by bytes, as an FST is built.
        let set = fst::Set::from_iter(text.lines().filter(|l| !l.is_empty()))
            .unwrap_or_else(|e| panic!("{source}: not sorted and unique: {e}"));
        std::fs::write(out.join(format!("words.{lang}.fst")), set.as_fst().as_bytes())
            .unwrap_or_else(|e| panic!("{}: {e}", out.display()));
    }
}
