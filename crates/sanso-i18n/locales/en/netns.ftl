## netns messages (English). Ids start with "netns-"; ja/netns.ftl holds the same ids with the same variables.


# Why a kernel run (`sanso test --kernel`, `sanso verify`) could not give verdicts.
netns-not-privileged = the kernel harness needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN, to create network namespaces and load nftables rulesets); running as uid { $euid }
netns-unknown-interface = probe { $probe }: interface { $interface } is not an interface of any zone of the policy
netns-no-interface-for-source = probe { $probe }: source { $src } classifies to no zone, so it has no default interface; give `iif`
netns-mixed-families = probe { $probe }: source { $src } and destination { $dst } are of different address families
netns-special-address = probe { $probe }: { $addr } is an address the kernel treats specially (unspecified, loopback, link-local, multicast, broadcast or reserved); the harness cannot place it behind an interface
netns-spawn = could not run { $command }
netns-thread-in-namespace = a thread in namespace { $namespace }
netns-client = real client: { $what }
netns-nft-load = nft refused the ruleset in the gateway namespace: { $stderr }
netns-enter-namespace = could not enter network namespace { $namespace }
netns-setns-failed = setns failed
netns-sysctl = could not set sysctl { $path } in namespace { $namespace }
netns-socket = socket error while { $step ->
        [open-packet-capture] opening the packet capture socket
        [enlarge-capture-buffer] enlarging the capture buffer
        [look-up-peer-interface] looking up the peer interface
        [open-raw-capture] opening a raw capture socket
        [read-capture] reading a capture socket
        [find-peer-interface] finding the peer interface
        [open-send] opening the send socket
       *[send-probe] sending a probe
    } in namespace { $namespace }
netns-no-peer-interface = no { $interface }
netns-not-ethernet = not an Ethernet channel
netns-sent-nothing = pnet sent nothing
netns-thread-panicked = the { $what } thread panicked
netns-capture-not-ready = the capture thread was not ready within { $seconds } s

# The real client of `client = true` cases.
netns-client-no-namespace = probe { $probe }: no namespace holds { $address }
netns-client-needs-tcp-or-udp = probe { $probe }: a real client needs tcp or udp
netns-client-cannot-bind = cannot bind { $address }
netns-client-could-not-connect = { $label }: could not connect
netns-client-thread-ended = { $label }: the connection's thread has ended
netns-client-no-result = { $label }: no result within { $wait }
netns-client-watched-could-not-connect = a watched connection could not connect to { $address }

# Cleaning up namespaces.
netns-cannot-remove = sanso-netns: could not remove { $path }; `ip netns del` it by hand
netns-cannot-install-handler = sanso-netns: could not install the { $signal } cleanup handler: { $error }

# The numbers of a kernel run (`sanso test --kernel`, `sanso verify`).
netns-run-sizes = kernel: { $probes } probes, { $accepted } accepted, { $dropped } dropped; { $topologies } { $topologies ->
        [one] topology
       *[other] topologies
    } of { $namespaces } namespaces, { $links } links, { $addresses } addresses
netns-run-times = time: setup { $setup } ms, load { $load } ms, send { $send } ms, wait { $wait } ms (drop wait { $drop_wait } ms), teardown { $teardown } ms; { $per_probe } ms per probe
netns-run-slowest = ; slowest accept { $latency } ms
