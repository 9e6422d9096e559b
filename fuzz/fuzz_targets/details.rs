//! `cargo +nightly fuzz run details`: see `treatywatch::fuzzing::details`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| treatywatch::fuzzing::details(data));
