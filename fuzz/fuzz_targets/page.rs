//! `cargo +nightly fuzz run page`: see `treatywatch::fuzzing::page`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| treatywatch::fuzzing::page(data));
