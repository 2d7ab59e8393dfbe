## ha messages (English). Ids start with "ha-"; ja/ha.ftl holds the same ids with the same variables.


## sanso ha check, render, notify
ha-cannot-read = cannot read the HA file { $path }
ha-problems = { $path }: { $count } problem(s); nothing written
ha-valid = { $path }: HA pair { $nodes } is valid: sync on { $interface }, { $count } virtual interface(s)
ha-no-such-node = { $path }: there is no node { $node } (the file describes { $nodes })
ha-cannot-create = cannot create { $path }
ha-cannot-write = cannot write { $path }
ha-wrote = wrote { $path }
ha-command-cannot-run = { $command }: cannot run: { $error }
ha-command-ok = { $command }: ok
ha-command-failed = { $command }: failed ({ $status })
ha-command-no-answer = { $command }: no answer within { $seconds } s
ha-command-error = { $command }: { $error }
ha-notify-line = sanso ha notify { $role }: { $line }
ha-notify-cannot-record = sanso ha notify { $role }: cannot record the role in { $path }: { $error }

## sanso ha relay
ha-relay-no-raw-socket = cannot open a raw VRRP socket (CAP_NET_RAW is needed)
ha-relay-no-interface = there is no interface { $interface } on this node
ha-relay-started = sanso ha relay: node { $node }, { $count } VRRP instance(s) ({ $instances }): a resignation of one by the peer is handed to the others
ha-relay-instance = { $interface } vrid { $vrid }
ha-relay-handed = sanso ha relay: { $source } resigned vrid { $vrid }: handed to vrid { $target } on { $interface }
ha-relay-cannot-hand = sanso ha relay: { $source } resigned vrid { $vrid }: cannot hand it to vrid { $target } on { $interface }: { $error }

## The daemon's side of the pair
ha-unknown-node = node { $node } is not in the HA file (it describes { $nodes })
ha-cannot-bind = cannot bind the announcement socket on { $address } (is the sync interface up with this node's sync address?)
ha-log-role = HA role reported by keepalived
ha-log-cannot-send = HA: cannot send the announcement to the peer
ha-log-dropped = HA: announcement dropped
ha-dropped-address = from { $from }, not the peer's sync address { $peer }
ha-dropped-node = from node { $node }, not { $peer }
ha-dropped-replayed = replayed: seq { $seq } after { $last }
ha-log-match-again = HA: the peer's policy matches this node's again
ha-log-mismatch = HA: the peer enforces another policy than this node, for longer than one check interval; roll the same policy to both nodes

## Announcements refused
ha-refused-malformed = not an announcement (no MAC line, not UTF-8 or not the expected JSON)
ha-refused-bad-mac = the MAC does not verify (another key, or altered on the way)
ha-refused-stale = sent { $seconds } s from now: outside the accepted { $max } s (clocks apart, or replayed)

## The HA file
ha-node-names = { $first } and { $second }
ha-bad-interface-length = { $name } is not an interface name: it must be 1 to 15 bytes long
ha-bad-interface-chars = { $name } is not an interface name: use ASCII letters, digits, '-', '_' or '.'
ha-bad-node-name = { $name } is not a node name: 1 to 32 ASCII letters, digits, '-' or '_', starting with a letter or digit
ha-out-of-range = { $value } is out of range: { $what } must be { $min } to { $max }
ha-what-port = a port
ha-what-check-interval = the check interval (seconds)
ha-what-advert-interval = the advert interval (seconds)
ha-what-router-id = a VRRP router id
ha-what-priority = a VRRP priority
ha-key-file-relative = { $path } must be an absolute path (the daemon does not run in this directory)
ha-port-shared = { $port } is conntrackd's port too: sanso's announcements need a port of their own
ha-no-virtuals = no virtual addresses: add a [virtual.IFACE] table with router_id and addresses for each zone interface the pair serves
ha-virtual-on-sync = { $name } is the sync interface: virtual addresses belong on zone interfaces
ha-router-id-shared = router id { $id } is used by virtual.{ $other } too: each interface needs its own
ha-no-addresses = no addresses: list the virtual addresses with their prefix length, e.g. "10.0.1.1/24"
ha-address-shared = { $address } is a virtual address of virtual.{ $other } too
ha-bad-address = { $value } is not an address with a prefix length, e.g. "10.0.1.1/24" or "fd00:1::1/64"
ha-node-count = { $count } node(s) described: a pair needs exactly two [nodes.NAME] tables
ha-bad-sync-address-kind = { $address } cannot be a node's address on the sync link
ha-bad-sync-address = { $value } is not an address (no prefix length here), e.g. "192.168.255.1"
ha-same-priority = { $priority } is the priority of nodes.{ $other } too: the active node must have the higher one
ha-same-sync-address = { $address } is the sync address of nodes.{ $other } too
ha-sync-families = { $address } and nodes.{ $other }'s { $other_address } are of different families: both must be IPv4 or both IPv6
ha-sync-is-virtual = { $address } is a virtual address of virtual.{ $interface }
