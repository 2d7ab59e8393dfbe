#![no_main]
//! Any bytes as one netlink datagram through sanso_fuzz::netlink_answers
//! (its properties panic when broken).

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = sanso_fuzz::netlink_answers(data);
});
