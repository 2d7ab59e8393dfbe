#!/usr/bin/env python3
"""Variants of a compiled sanso ruleset for the kernel layout experiments of
docs/benchmarks.md ("Kernel: where the drop path's time goes").

    sanso bench --synthetic --flows 10000 --save-policy p10k.toml
    sanso compile p10k.toml -o p10k.nft
    python3 benches/experiments/prefilter.py p10k.nft OUTDIR
    cargo run --release -p sanso-benches --bin layouts -- --rounds 7 \
        p10k.toml p10k.nft OUTDIR/*.nft

Ablations of today's layout (a*), and stateless early-drop stages in
`prerouting` at raw priority, before connection tracking (pre*):
  pre-2lookups: zone-pair dispatch (2-field map), then the pair's flow keys
                (saddr . daddr . proto . dport) and, for replies, the reverse
                pair's keys looked up with the reversed packet key, then
                `fib daddr type local accept` (the gateway's own traffic),
                counter, log limit, drop;
  pre-5field:   the same with one 5-field set per pair (... . dport . sport):
                flow keys with any sport, reply keys with any dport. Reply
                boxes that overlap a flow box are left out here (an interval
                set refuses overlaps; a real compiler would cut them), so
                this variant is slightly optimistic;
  pre-5field-nofib: without the local-destination check (not correct: it
                would drop traffic to the gateway; a lower bound).
Only IPv4 maps are rewritten: the measured drop path is IPv4.
"""
import ipaddress
import os
import re
import sys

src, outdir = sys.argv[1], sys.argv[2]
os.makedirs(outdir, exist_ok=True)
t = open(src).read()


def write(name, text):
    open(os.path.join(outdir, name + ".nft"), "w").write(text)


def blocks(kind):
    return {m.group(1): m.group(2) for m in re.finditer(r"\t" + kind + r" (\S+) \{\n(.*?)\n\t\}\n", t, re.S)}


def elems(body):
    return [l.strip().rstrip(",") for l in body.split("\n") if l.startswith("\t\t\t")]


# --- ablations of today's layout -------------------------------------------
fw = ("\t\tiifname . ip saddr != @antispoof4 jump spoofed\n"
      "\t\tiifname . ip6 saddr != @antispoof6 jump spoofed\n")
assert fw in t, "forward chain layout changed"
write("a-no-antispoof", t.replace(fw, "", 1))
nolog = re.sub(r'\t\tlimit rate [^\n]*log prefix "sanso drop [^"]*" level info\n', "", t)
write("a-no-log", nolog)
write("a-no-pair-lookup", re.sub(r"\t\tip saddr \. ip daddr \. meta l4proto \. th dport vmap @fwd4\.[^\n]*\n", "", t))
ct = "\t\tct state invalid counter name \"invalid\" drop\n"
write("a-stop-after-conntrack", t.replace(ct, ct + "\t\tdrop\n", 1))

# --- stateless early drop before conntrack ---------------------------------
maps = blocks("map")
from4 = {}
for e in elems(maps["from4"]):
    k, v = e.split(" : ")
    from4.setdefault(v.split()[-1].split(".", 1)[1], []).append(k)
pairs = []  # (a, b, src range, dst range)
for zs, ranges in from4.items():
    for e in elems(maps.get("to4." + zs, "")):
        k, v = e.split(" : ")
        _, a, b = v.split()[-1].split(".", 2)
        pairs += [(a, b, r, k) for r in ranges]
keys = {name[len("fwd4."):]: [e.split(" : ")[0] for e in elems(body)]
        for name, body in maps.items() if name.startswith("fwd4.")}


def rng(s):
    if "/" in s:
        n = ipaddress.ip_network(s)
        return int(n.network_address), int(n.broadcast_address)
    if "-" in s:
        a, b = s.split("-")
        conv = (lambda x: int(ipaddress.ip_address(x))) if "." in s else int
        return conv(a), conv(b)
    return (int(ipaddress.ip_address(s)),) * 2 if "." in s else (int(s),) * 2


def parse(k):
    s, d, p, port = [x.strip() for x in k.split(" . ")]
    return rng(s), rng(d), p, rng(port), (s, d, p, port)


def meets(a, b):
    return a[0] <= b[1] and b[0] <= a[1]


five = {}
for ab, ks in keys.items():
    a, b = ab.split(".")
    fwd = [parse(k) for k in ks]
    out = ["%s . 0-65535" % k for k in ks]
    for r in (parse(k) for k in keys.get("%s.%s" % (b, a), [])):
        if any(f[2] == r[2] and meets(f[0], r[1]) and meets(f[1], r[0]) for f in fwd):
            continue
        s, d, p, port = r[4]
        out.append("%s . %s . %s . 0-65535 . %s" % (d, s, p, port))
    five[ab] = out


def prefilter(kind, fib=True):
    s = ["\tmap pre4 {\n\t\ttype ipv4_addr . ipv4_addr : verdict\n\t\tflags interval\n\t\telements = {\n"
         + ",\n".join("\t\t\t%s . %s : jump pre4.%s.%s" % (r, k, a, b) for a, b, r, k in pairs)
         + "\n\t\t}\n\t}\n"]
    fields = "ipv4_addr . ipv4_addr . inet_proto . inet_service"
    sets = five if kind == "5field" else keys
    for ab, ks in sets.items():
        typ = fields + (" . inet_service" if kind == "5field" else "")
        s.append("\tset k4.%s {\n\t\ttype %s\n\t\tflags interval\n\t\telements = {\n%s\n\t\t}\n\t}\n"
                 % (ab, typ, ",\n".join("\t\t\t" + k for k in ks)))
    for a, b in sorted({(a, b) for a, b, _, _ in pairs}):
        body = []
        if kind == "5field" and "%s.%s" % (a, b) in five:
            body.append("ip saddr . ip daddr . meta l4proto . th dport . th sport @k4.%s.%s accept" % (a, b))
        if kind == "2lookups":
            if "%s.%s" % (a, b) in keys:
                body.append("ip saddr . ip daddr . meta l4proto . th dport @k4.%s.%s accept" % (a, b))
            if "%s.%s" % (b, a) in keys:
                body.append("ip daddr . ip saddr . meta l4proto . th sport @k4.%s.%s accept" % (b, a))
        if fib:
            body.append("fib daddr type local accept")
        body += ['counter name "drop.%s.%s"' % (a, b),
                 'limit rate 10/second burst 20 packets log prefix "sanso drop %s>%s " level info' % (a, b),
                 "drop"]
        s.append("\tchain pre4.%s.%s {\n%s\n\t}\n" % (a, b, "\n".join("\t\t" + x for x in body)))
    s.append("\tchain prefilter {\n\t\ttype filter hook prerouting priority raw; policy accept;\n"
             "\t\tiif \"lo\" accept\n\t\tmeta l4proto != { tcp, udp } accept\n"
             "\t\tip saddr . ip daddr vmap @pre4\n\t}\n")
    return t.rstrip().rstrip("}") + "".join(s) + "}\n"


write("pre-2lookups", prefilter("2lookups"))
write("pre-5field", prefilter("5field"))
write("pre-5field-nofib", prefilter("5field", fib=False))
