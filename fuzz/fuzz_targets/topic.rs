//! `cargo +nightly fuzz run topic`: see `treatywatch::fuzzing::topic`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| treatywatch::fuzzing::topic(data));
