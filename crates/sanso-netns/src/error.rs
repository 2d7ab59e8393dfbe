//! The harness's error type: everything that can stop a kernel run.

use std::io;
use std::net::IpAddr;

/// Why a kernel run could not produce verdicts.
///
/// A probe that the kernel drops is not an error: it is a
/// [`crate::KernelVerdict::Drop`].
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    #[error(
        "the kernel harness needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN, to create network namespaces and load nftables rulesets); running as uid {euid}"
    )]
    NotPrivileged { euid: u32 },

    #[error(
        "probe {probe}: interface `{interface}` is not an interface of any zone of the policy"
    )]
    UnknownInterface { probe: usize, interface: String },

    #[error("probe {probe}: source {src} classifies to no zone, so it has no default interface; give `iif`")]
    NoInterfaceForSource { probe: usize, src: IpAddr },

    #[error("probe {probe}: source {src} and destination {dst} are of different address families")]
    MixedFamilies {
        probe: usize,
        src: IpAddr,
        dst: IpAddr,
    },

    #[error(
        "probe {probe}: {addr} is an address the kernel treats specially (unspecified, loopback, link-local, multicast, broadcast or reserved); the harness cannot place it behind an interface"
    )]
    SpecialAddress { probe: usize, addr: IpAddr },

    #[error("could not run `{command}`")]
    Spawn {
        command: String,
        #[source]
        source: io::Error,
    },

    #[error("`{command}` failed ({status}): {stderr}")]
    Command {
        command: String,
        status: String,
        stderr: String,
    },

    #[error("real client: {0}")]
    Client(String),

    #[error("nft refused the ruleset in the gateway namespace: {stderr}")]
    NftLoad { stderr: String },

    #[error("could not enter network namespace `{namespace}`")]
    EnterNamespace {
        namespace: String,
        #[source]
        source: io::Error,
    },

    #[error("could not set sysctl {path} in namespace `{namespace}`")]
    Sysctl {
        namespace: String,
        path: String,
        #[source]
        source: io::Error,
    },

    #[error("socket error while {what} in namespace `{namespace}`")]
    Socket {
        what: &'static str,
        namespace: String,
        #[source]
        source: io::Error,
    },

    #[error("the {what} thread panicked")]
    ThreadPanicked { what: &'static str },

    #[error("the capture thread was not ready within {seconds} s")]
    CaptureNotReady { seconds: u64 },
}

impl HarnessError {
    pub(crate) fn socket(
        what: &'static str,
        namespace: &str,
        source: impl Into<io::Error>,
    ) -> Self {
        HarnessError::Socket {
            what,
            namespace: namespace.to_owned(),
            source: source.into(),
        }
    }
}
