//! `cargo +nightly fuzz run feed`: see `treatywatch::fuzzing::feed`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| treatywatch::fuzzing::feed(data));
