//! `cargo +nightly fuzz run api`: see `treatywatch::fuzzing::api`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| treatywatch::fuzzing::api(data));
