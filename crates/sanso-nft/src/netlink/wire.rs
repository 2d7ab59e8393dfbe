//! The netlink framing that the nf_tables reads (`read.rs`) and the
//! ctnetlink requests (`conntrack.rs`) share: a request's header and
//! `nfgenmsg`, attributes written and read. (The apply batch is encoded by
//! libnftnl, `encode.rs`.)

/// `struct nlmsghdr`.
pub(super) const NLMSG_HDR: usize = 16;
/// `struct nfgenmsg`.
pub(super) const NFGENMSG: usize = 4;
/// An attribute's type without NLA_F_NESTED and NLA_F_NET_BYTEORDER.
pub(super) const NLA_TYPE_MASK: u16 = 0x3fff;

/// A netfilter request of `subsystem`: header, `nfgenmsg` of `family`, then
/// `attrs`.
pub(super) fn message(
    subsystem: u16,
    kind: u16,
    flags: u16,
    seq: u32,
    family: u8,
    attrs: &[u8],
) -> Vec<u8> {
    let len = NLMSG_HDR + NFGENMSG + attrs.len();
    let mut m = Vec::with_capacity(len);
    m.extend_from_slice(&(len as u32).to_ne_bytes());
    m.extend_from_slice(&((subsystem << 8) | kind).to_ne_bytes());
    m.extend_from_slice(&flags.to_ne_bytes());
    m.extend_from_slice(&seq.to_ne_bytes());
    m.extend_from_slice(&0u32.to_ne_bytes());
    // nfgenmsg: family, version 0 (NFNETLINK_V0), resource id 0.
    m.extend_from_slice(&[family, 0, 0, 0]);
    m.extend_from_slice(attrs);
    m
}

/// Appends one attribute, padded to 4 bytes.
pub(super) fn push_attr(out: &mut Vec<u8>, kind: u16, payload: &[u8]) {
    out.extend_from_slice(&((4 + payload.len()) as u16).to_ne_bytes());
    out.extend_from_slice(&kind.to_ne_bytes());
    out.extend_from_slice(payload);
    out.resize(out.len().div_ceil(4) * 4, 0);
}

/// The (type without flags, payload) attributes of `buf`.
pub(super) fn attributes(mut buf: &[u8]) -> Vec<(u16, &[u8])> {
    let mut out = Vec::new();
    while buf.len() >= 4 {
        let len = usize::from(u16::from_ne_bytes([buf[0], buf[1]]));
        let kind = u16::from_ne_bytes([buf[2], buf[3]]) & NLA_TYPE_MASK;
        if len < 4 || len > buf.len() {
            break;
        }
        out.push((kind, &buf[4..len]));
        let step = len.div_ceil(4) * 4;
        if step >= buf.len() {
            break;
        }
        buf = &buf[step..];
    }
    out
}

/// The (type, body after the header) messages of one datagram, as far as
/// their lengths hold: a length shorter than a header or past the end ends
/// the walk.
pub(super) fn messages(datagram: &[u8]) -> Vec<(u16, &[u8])> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(header) = datagram.get(at..at + NLMSG_HDR) {
        let len = u32::from_ne_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let Some(message) = datagram.get(at..).and_then(|rest| rest.get(..len)) else {
            break;
        };
        if len < NLMSG_HDR {
            break;
        }
        out.push((
            u16::from_ne_bytes([header[4], header[5]]),
            &message[NLMSG_HDR..],
        ));
        at += len.div_ceil(4) * 4;
    }
    out
}

/// A big-endian u32 attribute payload.
pub(super) fn be32(bytes: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.try_into().ok()?))
}

/// A big-endian u64 attribute payload.
pub(super) fn be64(bytes: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(bytes.try_into().ok()?))
}

/// A string attribute payload, up to its NUL (lossy UTF-8).
pub(super) fn string(bytes: &[u8]) -> String {
    let text = bytes.split(|b| *b == 0).next().unwrap_or(bytes);
    String::from_utf8_lossy(text).into_owned()
}

/// The errno of an `NLMSG_ERROR` body (0: an ACK); a body too short for
/// one reads as `EBADMSG`.
pub(super) fn error_of(body: &[u8]) -> i32 {
    body.get(..4).map_or(libc::EBADMSG, |e| {
        i32::from_ne_bytes([e[0], e[1], e[2], e[3]]).wrapping_neg()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_read_back_what_push_attr_wrote() {
        let mut buf = Vec::new();
        push_attr(&mut buf, 1, b"abc");
        push_attr(&mut buf, 2 | 0x8000, &7u32.to_be_bytes());
        assert_eq!(buf.len(), 16);
        assert_eq!(
            attributes(&buf),
            vec![(1, &b"abc"[..]), (2, &[0, 0, 0, 7][..])]
        );
        let m = message(10, 16, 1, 7, 0, &buf);
        assert_eq!(m.len(), NLMSG_HDR + NFGENMSG + 16);
        assert_eq!(u16::from_ne_bytes([m[4], m[5]]), (10 << 8) | 16);
    }
}
