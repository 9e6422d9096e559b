//! `cargo +nightly fuzz run url`: see `treatywatch::fuzzing::url`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| treatywatch::fuzzing::url(data));
