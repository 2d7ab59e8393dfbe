//! The harness's error type: everything that can stop a kernel run.
//!
//! Its text comes from the message catalogue (`netns.ftl`), in the process
//! language.

use std::fmt;
use std::io;
use std::net::IpAddr;

use sanso_i18n::t;

/// Why a kernel run could not produce verdicts.
///
/// A probe that the kernel drops is not an error: it is a
/// [`crate::KernelVerdict::Drop`].
#[derive(Debug)]
pub enum HarnessError {
    NotPrivileged {
        euid: u32,
    },

    UnknownInterface {
        probe: usize,
        interface: String,
    },

    NoInterfaceForSource {
        probe: usize,
        src: IpAddr,
    },

    MixedFamilies {
        probe: usize,
        src: IpAddr,
        dst: IpAddr,
    },

    SpecialAddress {
        probe: usize,
        addr: IpAddr,
    },

    Spawn {
        command: String,
        source: io::Error,
    },

    /// A program (`ip`, `nft`) did not run to success.
    Run(sanso_process::ProcessError),

    Client(String),

    NftLoad {
        stderr: String,
    },

    EnterNamespace {
        namespace: String,
        source: io::Error,
    },

    Sysctl {
        namespace: String,
        path: String,
        source: io::Error,
    },

    Socket {
        what: SocketStep,
        namespace: String,
        source: io::Error,
    },

    /// `what`: the thread's role (`namespace`, `sysctl`, `capture`, `send`).
    ThreadPanicked {
        what: &'static str,
    },

    CaptureNotReady {
        seconds: u64,
    },
}

/// What the harness was doing with a socket when it failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SocketStep {
    OpenPacketCapture,
    EnlargeCaptureBuffer,
    LookUpPeerInterface,
    OpenRawCapture,
    ReadCapture,
    FindPeerInterface,
    OpenSend,
    SendProbe,
}

impl SocketStep {
    /// The step's token, which the message turns into words.
    pub fn as_str(self) -> &'static str {
        match self {
            SocketStep::OpenPacketCapture => "open-packet-capture",
            SocketStep::EnlargeCaptureBuffer => "enlarge-capture-buffer",
            SocketStep::LookUpPeerInterface => "look-up-peer-interface",
            SocketStep::OpenRawCapture => "open-raw-capture",
            SocketStep::ReadCapture => "read-capture",
            SocketStep::FindPeerInterface => "find-peer-interface",
            SocketStep::OpenSend => "open-send",
            SocketStep::SendProbe => "send-probe",
        }
    }
}

impl fmt::Display for HarnessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            HarnessError::NotPrivileged { euid } => t!("netns-not-privileged", euid = *euid),
            HarnessError::UnknownInterface { probe, interface } => t!(
                "netns-unknown-interface",
                probe = *probe,
                interface = format!("`{interface}`")
            ),
            HarnessError::NoInterfaceForSource { probe, src } => t!(
                "netns-no-interface-for-source",
                probe = *probe,
                src = src.to_string()
            ),
            HarnessError::MixedFamilies { probe, src, dst } => t!(
                "netns-mixed-families",
                probe = *probe,
                src = src.to_string(),
                dst = dst.to_string()
            ),
            HarnessError::SpecialAddress { probe, addr } => t!(
                "netns-special-address",
                probe = *probe,
                addr = addr.to_string()
            ),
            HarnessError::Spawn { command, .. } => {
                t!("netns-spawn", command = format!("`{command}`"))
            }
            HarnessError::Run(e) => e.to_string(),
            HarnessError::Client(what) => t!("netns-client", what = what),
            HarnessError::NftLoad { stderr } => t!("netns-nft-load", stderr = stderr),
            HarnessError::EnterNamespace { namespace, .. } => t!(
                "netns-enter-namespace",
                namespace = format!("`{namespace}`")
            ),
            HarnessError::Sysctl {
                namespace, path, ..
            } => t!(
                "netns-sysctl",
                path = path,
                namespace = format!("`{namespace}`")
            ),
            HarnessError::Socket {
                what, namespace, ..
            } => t!(
                "netns-socket",
                step = what.as_str(),
                namespace = format!("`{namespace}`")
            ),
            HarnessError::ThreadPanicked { what } => t!("netns-thread-panicked", what = *what),
            HarnessError::CaptureNotReady { seconds } => {
                t!("netns-capture-not-ready", seconds = *seconds)
            }
        };
        f.write_str(&text)
    }
}

impl std::error::Error for HarnessError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            HarnessError::Spawn { source, .. }
            | HarnessError::EnterNamespace { source, .. }
            | HarnessError::Sysctl { source, .. }
            | HarnessError::Socket { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl HarnessError {
    pub(crate) fn socket(what: SocketStep, namespace: &str, source: impl Into<io::Error>) -> Self {
        HarnessError::Socket {
            what,
            namespace: namespace.to_owned(),
            source: source.into(),
        }
    }
}
