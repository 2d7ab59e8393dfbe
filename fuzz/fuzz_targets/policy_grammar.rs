#![no_main]
//! Bytes steer the policy grammar (sanso_fuzz::PolicyDraft); the policy
//! written out goes through sanso_fuzz::policy_text.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = sanso_fuzz::policy_grammar(data);
});
