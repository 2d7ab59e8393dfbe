#!/usr/bin/env python3
"""A policy of N flows all between ONE pair of zones (issue 17's "one large
zone pair"): zones lg-a (10.1.0.0/16) and lg-b (10.2.0.0/16), both lgwan,
hosts of one address each, flow i from host a(i) to host b(i) on https
(tcp/443), every (a, b) pair distinct. Usage: one_pair.py N > policy.toml"""
import math
import sys

n = int(sys.argv[1])
side = max(1, math.isqrt(n - 1) + 1)  # side * side >= n
out = ['[policy]', 'name = "one-pair"', f'revision = "{n}"', '',
       '[zones.lg-a]', 'tier = "lgwan"', 'interfaces = ["la0"]',
       'networks = ["10.1.0.0/16"]', '',
       '[zones.lg-b]', 'tier = "lgwan"', 'interfaces = ["lb0"]',
       'networks = ["10.2.0.0/16"]', '']
for z, net in (("a", 1), ("b", 2)):
    for i in range(side):
        out += [f'[hosts.{z}{i}]', f'zone = "lg-{z}"',
                f'addresses = ["10.{net}.{i // 250}.{i % 250 + 1}"]', '']
for f in range(n):
    a, b = f // side, f % side
    out += ['[[flows]]', f'name = "f{f}"', f'from = ["a{a}"]', f'to = ["b{b}"]',
            'services = ["https"]', 'reason = "one pair"', '']
print("\n".join(out))
