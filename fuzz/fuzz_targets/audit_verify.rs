#![no_main]
//! Any bytes as an audit log and head (`LOG \0 HEAD`), and as one changed
//! byte of a valid log, through sanso_fuzz::audit_verify.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = sanso_fuzz::audit_verify(data);
});
