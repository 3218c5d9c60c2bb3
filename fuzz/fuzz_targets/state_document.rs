#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| iamlocal::fuzzing::state_document(data));
