//! `cargo +nightly fuzz run config`: see `treatywatch::fuzzing::config`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| treatywatch::fuzzing::config(data));
