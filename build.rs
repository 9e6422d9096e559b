//! Builds the common-word lists (`data/words.*.txt`, see `tools/common_words`) into finite state
//! transducers the binary embeds: a lookup then reads a few hundred bytes of a 0.4 MB set, where
//! a binary search of the plain 1.2 MB lists touched a page of them per step. The lists are
//! front-coded (0.58 MB in the repository); this decodes them.

use std::path::PathBuf;

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    for lang in ["en", "es"] {
        let source = format!("data/words.{lang}.txt");
        println!("cargo:rerun-if-changed={source}");
        let text = std::fs::read_to_string(root.join(&source)).unwrap_or_else(|e| panic!("{source}: {e}"));
        // The generator writes the words sorted by bytes, as an FST is built, each line
        // front-coded: a character (0-9, then A-Z) for the letters shared with the line before.
        let mut words = Vec::new();
        let mut previous = String::new();
        for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.is_empty()) {
            let mut chars = line.chars();
            let shared = chars
                .next()
                .and_then(|c| c.to_digit(36))
                .map(|d| d as usize)
                .filter(|d| *d <= previous.len())
                .unwrap_or_else(|| panic!("{source}:{}: not front-coded", n + 1));
            let word = format!("{}{}", &previous[..shared], chars.as_str());
            words.push(word.clone());
            previous = word;
        }
        let set =
            fst::Set::from_iter(&words).unwrap_or_else(|e| panic!("{source}: not sorted and unique: {e}"));
        std::fs::write(out.join(format!("words.{lang}.fst")), set.as_fst().as_bytes())
            .unwrap_or_else(|e| panic!("{}: {e}", out.display()));
    }
}
