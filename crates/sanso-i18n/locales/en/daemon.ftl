## daemon messages (English). Ids start with "daemon-"; ja/daemon.ftl holds the same ids with the same variables.


## client.rs: the CLI's side of the control socket
daemon-client-connect = cannot connect to the sanso daemon at { $path } (is it running? are you root?)
daemon-client-io = control socket I/O failed
daemon-client-decode = the daemon sent an unreadable answer
daemon-client-no-answer = the daemon closed the connection without an answer

## archive.rs: the policy archive
daemon-archive-write = cannot write { $path }
daemon-archive-read = cannot read { $path }
daemon-archive-bad-prefix = `{ $prefix }` is not a content hash or a prefix of one ({ $min } to 64 hex digits)
daemon-archive-not-found = no archived policy in { $dir } has a content hash starting with { $prefix }
daemon-archive-ambiguous = { $prefix } names { $count } archived policies ({ $matches }); give more digits

## isolation.rs: isolated targets
daemon-isolation-kind-zone = zone
daemon-isolation-kind-host = host
daemon-isolation-kind-prefix = prefix
daemon-isolation-kind-recovered = recovered from the kernel
daemon-isolation-kind-tier = { $kind }, { $tier }
daemon-isolation-entry = { $target } ({ $kind }): { $prefixes }; since { $since }
daemon-isolation-entry-until = , until { $until }
daemon-isolation-entry-reason = ; reason: { $reason }
daemon-isolation-entry-ticket = ; ticket { $ticket }
daemon-isolation-bad-target = target { $target }: a zone, a host, an address or a prefix, at most { $max } characters
daemon-isolation-self = target "self": the gateway itself cannot be isolated (its management stays open; see docs/operations.md, Isolation)
daemon-isolation-no-policy = target { $target }: no policy is applied, so only addresses and prefixes can be isolated
daemon-isolation-zone-and-host = target { $target } names both a zone and a host; isolate its addresses instead
daemon-isolation-zone-empty = zone { $zone }: it has no addresses of its own
daemon-isolation-unknown-target = target { $target } is not a zone or host of policy { $policy } nor an address or prefix
daemon-isolation-load-read = cannot read { $path }
daemon-isolation-load-damaged = { $path } is damaged

## kernel.rs: the kernel side
daemon-kernel-apply = netlink apply failed
daemon-kernel-readback = cannot read the live table back
daemon-kernel-spawn = cannot run `{ $command }`
daemon-kernel-failed = `{ $command }` failed ({ $status }): { $stderr }
daemon-kernel-output = `{ $command }` printed output that could not be read: { $what }
daemon-kernel-task = the kernel task stopped unexpectedly
daemon-kernel-no-isolation = this kernel has no isolation sets
daemon-kernel-isolation = the isolation update failed
daemon-kernel-no-links = this kernel does not list its links
daemon-kernel-no-nftables-array = no `nftables` array
daemon-json-not-an-array = not an array

## links.rs: the policy's interfaces on the gateway
daemon-links-missing-interface = zone { $zone }: interface { $interface } does not exist on the gateway; nothing can reach or leave the zone through it (anti-spoofing drops what claims its addresses elsewhere)
daemon-links-spawn = cannot run `ip -j link show`: { $error }
daemon-links-failed = `ip -j link show` failed ({ $status }): { $stderr }

## lib.rs: starting, watching the policy file, stopping
daemon-error-state-dir = cannot create the state directory { $path }
daemon-error-socket = cannot listen on the control socket { $path }
daemon-error-metrics = cannot serve metrics on { $addr }
daemon-error-syslog = cannot open a socket to send audit heads to { $addr }
daemon-error-runtime = cannot set up the runtime or signal handlers
daemon-start-no-policy = no policy applied (see the log); the boot ruleset stays
daemon-start-applied = applied { $policy } rev { $revision }
daemon-log-ready = { $applied }; ready
daemon-log-notify-failed = cannot notify systemd
daemon-log-sighup = SIGHUP: reloading
daemon-log-watch-slow = policy file watch: reading the file has not returned yet; no new look until it does
daemon-watch-look-failed = the look at the file failed: { $error }
daemon-log-file-replaced = policy file replaced: reloading
daemon-log-file-in-place = policy file changed in place (the same file rewritten, not replaced): not applied, as a writer may not be done; replace it atomically (write a new file, then mv it over this one) or run `sanso reload` to apply it as it is
daemon-log-file-unreadable = policy file cannot be read: not applied; the running ruleset stays
daemon-log-stopping = stopping: { $said }; table inet sanso stays in the kernel
daemon-log-stopping-actor-gone = stopping; the actor had stopped; table inet sanso stays in the kernel
daemon-log-second-signal = second { $signal }: stopping without waiting for the actor (a pending apply may stay unconfirmed; the next start rolls it back)
daemon-log-stop-timeout = the actor did not stop in time (a pending apply may stay unconfirmed; the next start rolls it back)

## nflog.rs: the NFLOG reader
daemon-nflog-namespace = network namespace { $name }
daemon-nflog-open-socket = cannot open a netfilter netlink socket
daemon-nflog-bind-socket = cannot bind the netlink socket
daemon-nflog-set-timeout = cannot set the receive timeout
daemon-nflog-send-bind = cannot send the NFLOG bind request
daemon-nflog-read-bind-answer = cannot read the NFLOG bind answer
daemon-nflog-spawn-thread = cannot spawn the NFLOG reader thread
daemon-nflog-start-thread = cannot start the NFLOG reader thread
daemon-nflog-bind-group = the kernel refused to bind NFLOG group { $group } (another program, ulogd or a second daemon, may hold it)
daemon-nflog-no-answer = no answer within { $seconds } s
daemon-nflog-not-a-namespace = not a namespace name
daemon-nflog-thread-ended = the thread ended before binding
daemon-log-nflog-receive-failed = NFLOG reader: receive failed; retrying in 1 s
