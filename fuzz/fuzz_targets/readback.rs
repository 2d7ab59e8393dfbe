#![no_main]
//! Any text as the live table's listings (`JSON \0 TEXT`) through
//! sanso_fuzz::readback (its properties panic when broken).

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = sanso_fuzz::readback(data);
});
