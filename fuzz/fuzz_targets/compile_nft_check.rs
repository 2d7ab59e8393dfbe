#![no_main]
//! Bytes choose sanso-synth's flow count, seed and options; the policy must
//! load and compile, and, in the scratch namespace named by
//! SANSO_FUZZ_NETNS (`scripts/dev fuzz` creates one), pass `nft -c -f` and
//! a netlink apply (without it: compiling only).

use std::sync::OnceLock;

use sanso_fuzz::synth::{compile_nft_check, KernelVerdict, NETNS_ENV};

fn netns() -> Option<&'static str> {
    static NETNS: OnceLock<Option<String>> = OnceLock::new();
    NETNS
        .get_or_init(|| std::env::var(NETNS_ENV).ok().filter(|ns| !ns.is_empty()))
        .as_deref()
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Some((draft, text, KernelVerdict::Refused(why))) = compile_nft_check(data, netns()) {
        panic!("{draft:?}: the kernel refused a generated policy: {why}\n{text}");
    }
});
