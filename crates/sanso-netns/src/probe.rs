//! What the harness is asked to send ([`Probe`]) and what it reports back
//! ([`KernelVerdict`], [`ProbeOutcome`]).

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

/// One packet to send through the gateway: the first packet of a would-be
/// connection (a TCP SYN, a UDP datagram, an ICMP message).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Probe {
    /// The gateway interface the packet arrives on. `None`: the first
    /// interface of the zone the source classifies to. Give an interface of
    /// another zone to test anti-spoofing (なりすまし).
    pub iif: Option<String>,
    pub src: IpAddr,
    pub dst: ProbeDst,
    pub l4: ProbeL4,
}

/// Where a probe goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProbeDst {
    /// An address behind one of the gateway's interfaces (the forward hook).
    Addr(IpAddr),
    /// The gateway itself (`to = "self"`, the input hook): its address, of the
    /// probe's family, on the interface the probe arrives on.
    Gateway,
}

/// The transport part of a probe. ICMP means ICMPv6 when the addresses are IPv6.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProbeL4 {
    /// A TCP SYN to this destination port.
    Tcp(u16),
    /// A UDP datagram to this destination port.
    Udp(u16),
    /// An ICMP (IPv4) or ICMPv6 (IPv6) message of this type, code 0
    /// (8 or 128 is an echo request).
    Icmp(u8),
}

impl fmt::Display for Probe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dst = match self.dst {
            ProbeDst::Addr(a) => a.to_string(),
            ProbeDst::Gateway => "self".to_owned(),
        };
        match self.l4 {
            ProbeL4::Tcp(port) => write!(f, "tcp {} -> {dst} port {port}", self.src)?,
            ProbeL4::Udp(port) => write!(f, "udp {} -> {dst} port {port}", self.src)?,
            ProbeL4::Icmp(t) => {
                let proto = if self.src.is_ipv4() { "icmp" } else { "icmpv6" };
                write!(f, "{proto} {} -> {dst} type {t}", self.src)?
            }
        }
        if let Some(iif) = &self.iif {
            write!(f, " iif {iif}")?;
        }
        Ok(())
    }
}

impl From<&sanso_policy::Case> for Probe {
    /// The probe of a packet-path case: same interface, addresses, protocol
    /// and port; an ICMP case's `port` is its type.
    fn from(case: &sanso_policy::Case) -> Self {
        use sanso_policy::{CaseProto, CaseTarget};
        let dst = match case.to {
            CaseTarget::Addr(addr, _) => ProbeDst::Addr(addr),
            CaseTarget::Gateway => ProbeDst::Gateway,
        };
        let l4 = match case.proto {
            CaseProto::Tcp => ProbeL4::Tcp(case.port),
            CaseProto::Udp => ProbeL4::Udp(case.port),
            CaseProto::Icmp | CaseProto::Icmpv6 => {
                ProbeL4::Icmp(u8::try_from(case.port).unwrap_or(u8::MAX))
            }
        };
        Probe {
            iif: case.iif.clone(),
            src: case.from,
            dst,
            l4,
        }
    }
}

/// What the kernel did with a probe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KernelVerdict {
    /// The packet arrived on the far side: in the destination's namespace, or
    /// on the gateway's local stack after the input hook.
    Accept,
    /// The packet did not arrive before the drop wait ran out.
    Drop,
}

impl KernelVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            KernelVerdict::Accept => "accept",
            KernelVerdict::Drop => "drop",
        }
    }
}

impl From<KernelVerdict> for sanso_policy::Expect {
    /// For comparing with a case's `expect`.
    fn from(v: KernelVerdict) -> Self {
        match v {
            KernelVerdict::Accept => sanso_policy::Expect::Accept,
            KernelVerdict::Drop => sanso_policy::Expect::Drop,
        }
    }
}

impl fmt::Display for KernelVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a probe is expected to show up if the gateway lets it through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CapturePoint {
    /// On the peer end of this gateway interface (index into the topology's links).
    Peer(usize),
    /// On the gateway's own stack (raw IP socket, after the input hook).
    Gateway,
    /// The destination classifies to no zone, so no interface leads to it and
    /// the gateway has no route: the probe can only be dropped.
    Unrouted,
}

/// The verdict of one probe with what the harness saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeOutcome {
    pub verdict: KernelVerdict,
    /// From the send to the capture, for accepted probes.
    pub latency: Option<Duration>,
    /// The gateway interface the probe was sent into.
    pub iif: String,
    /// The resolved destination address (the gateway's own for `Gateway`).
    pub dst: IpAddr,
    pub capture: CapturePoint,
}
