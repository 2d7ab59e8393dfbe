#!/usr/bin/env python3
"""Hand-made tables of N objects of one kind each, for the kernel cost per
kind of object (issue 17, docs/benchmarks.md): load each with `nft -f` into
a fresh namespace and read the system time of nft, e.g.
  python3 object_kinds.py 100000 map_counter > t.nft
  ip netns add sanso-$$-k; /usr/bin/time ip netns exec sanso-$$-k nft -f t.nft
  ip netns del sanso-$$-k
Usage: object_kinds.py N counters|chains|chain_rule_counter|map_jump|map_counter|map_accept"""
import sys
n = int(sys.argv[1]); kind = sys.argv[2]
def addr(i, net): return f"10.{net}.{i // 250 % 250}.{i % 250 + 1}"
out = ["table inet t {"]
if kind == "counters":
    out += [f"\tcounter c{i} {{ }}" for i in range(n)]
elif kind == "chains":
    out += [f"\tchain c{i} {{ }}" for i in range(n)]
elif kind == "chain_rule_counter":   # today's plain flow: chain + rule + named counter
    out += [f"\tcounter c{i} {{ }}" for i in range(n)]
    out += [f"\tchain c{i} {{ counter name c{i} ct mark set {i} accept; }}" for i in range(n)]
elif kind in ("map_jump", "map_counter", "map_accept"):
    if kind == "map_jump":
        out += ["\tchain allow { accept; }"]
    verdict = "jump allow" if kind == "map_jump" else "accept"
    per = " counter" if kind == "map_counter" else ""
    out += ["\tmap m { type ipv4_addr . ipv4_addr . inet_proto . inet_service : verdict; flags interval;" + (" counter;" if per else "") + " elements = {"]
    side = int(n ** 0.5) + 1
    out += [f"\t\t{addr(i // side, 1)} . {addr(i % side, 2)} . tcp . 443{per} : {verdict}," for i in range(n)]
    out += ["\t} }"]
out += ["}"]
print("\n".join(out))
