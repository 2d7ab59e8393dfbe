#![no_main]
//! Any bytes through sanso_fuzz::policy_text (its properties panic when broken).

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = sanso_fuzz::policy_text(data);
});
