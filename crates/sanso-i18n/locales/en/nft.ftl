## nft messages (English). Ids start with "nft-"; ja/nft.ftl holds the same ids with the same variables.


## Applying by netlink (ApplyError)

nft-bad-namespace-name = network namespace name { $name } is not a plain name
nft-cannot-enter-namespace = cannot enter network namespace { $name }
nft-netlink-cannot = netlink: cannot { $op }
nft-too-long = { $what } { $text } is longer than { $max } bytes
nft-interior-nul = { $what } { $text } contains a NUL byte
nft-what-name = name
nft-what-comment = comment
nft-what-log-prefix = log prefix
nft-out-of-memory = libnftnl could not allocate an object
nft-unknown-set = a rule looks up set { $set }, which the batch does not create
nft-kernel-refused = the kernel refused { $kind } { $object } (errno { $errno }); nothing was applied
nft-kernel-refused-said = the kernel refused { $kind } { $object } (errno { $errno }, { $message }); nothing was applied
nft-missing-answers = the kernel answered { $got } of the batch's { $expected } messages; the outcome is unknown
nft-short-send = short send
nft-helper-panicked = the helper thread panicked
nft-dump-did-not-end = the dump did not end
nft-no-generation = the kernel sent no ruleset generation
nft-deletes-unanswered = { $unanswered } of { $total } deletes unanswered

# What a netlink exchange was doing: "netlink: cannot <op>".
nft-op-open-socket = open a netfilter netlink socket
nft-op-bind-socket = bind the netlink socket
nft-op-set-option = set { $option }
nft-op-size-send-buffer = size the send buffer
nft-op-size-receive-buffer = size the receive buffer
nft-op-send-batch = send the batch
nft-op-wait-for-answers = wait for the kernel's answers
nft-op-receive-answers = receive the kernel's answers
nft-op-spawn-helper = spawn the namespace helper thread
nft-op-join-helper = join the namespace helper thread
nft-op-dump-conntrack = dump the conntrack table
nft-op-delete-conntrack = delete a conntrack entry
nft-op-list-addresses = list the gateway's addresses
nft-op-read-generation = read the ruleset generation
nft-op-dump-counters = dump the named counters

## Reading the table back (ReadbackError, drift)

nft-readback-json = `{ $command }` printed JSON that could not be read
nft-readback-shape = `{ $command }` printed JSON of an unexpected shape: { $what }
nft-foreign-base-chain = foreign base chain { $family } { $table } { $chain } on hook { $hook } (priority { $priority }, policy { $policy }) may accept what sanso drops
nft-unlisted = in the plain listing but in no JSON listing: { $objects }
nft-json-listing-unparsed = the JSON listing of the table does not parse (nft 1.0.6 with a table flag), and the other listings do not hold all of it: { $unread }
nft-unknown-object-kind = unknown object kind { $kind }
nft-rule-in-unknown-chain = rule in unknown chain { $chain }

# The things a drift report names.
nft-thing-table = table
nft-thing-chain = chain
nft-thing-set = set
nft-thing-map = map
nft-thing-object = object
nft-thing-rule = rule
nft-thing-element = element

# $kind is added, removed or changed.
nft-change = { $kind ->
    [added] { $thing } added: { $detail }
    [removed] { $thing } removed: { $detail }
   *[changed] { $thing } changed: { $detail }
}
nft-change-within = { $kind ->
    [added] { $thing } added in { $within }: { $detail }
    [removed] { $thing } removed in { $within }: { $detail }
   *[changed] { $thing } changed in { $within }: { $detail }
}
nft-element-added = element added to { $within }: { $detail }
nft-element-removed = element removed from { $within }: { $detail }
nft-no-drift = no drift: the live table matches the expected ruleset
nft-drift = drift: { $count } difference(s) between the expected and the live table
nft-expected-not-read-in-full = the expected table was not read in full: { $why }
nft-live-not-read-in-full = the live table was not read in full: { $why }
nft-flags-change = flags { $live } (expected { $expected })
nft-flags-none = none
nft-flag-dormant = the table is switched off, nothing is filtered
nft-flag-owner = one process owns the table: only it can change it, and the table goes when that process exits
nft-flag-persist = the table stays when its owner exits
nft-set-elements = { $name } ({ $count } elements)
nft-chain-rules = { $name } ({ $count } rules)
nft-regular-chain = regular chain

## Verifying an apply: what was compared, and each difference

nft-coverage = policy identity, { $chains } chains ({ $base_chains } base chains with hook and policy) with { $rules } rules, { $sets } sets and maps with { $elements } elements, { $objects } named counters and limits
nft-table-missing = table inet sanso is missing
nft-table-flags = table { $flags }
nft-table-not-read-in-full = table was not read in full: { $why }
nft-table-comment-differs = policy identity is { $live }, expected { $expected }
nft-chain-missing = chain { $name } is missing
nft-chain-rule-count = chain { $name } has { $live } rules, expected { $expected }
nft-a-regular-chain = a regular chain
nft-chain-hook-differs = chain { $name } is { $live }, expected { $expected }
nft-chain-foreign = chain { $name } is not sanso's
nft-object-count = { $live } named objects, expected { $expected }
nft-object-missing = { $name } is missing
nft-object-foreign = { $name } is not sanso's
nft-objects-more-missing = { $count } more named objects missing
nft-objects-more-foreign = { $count } more named objects not sanso's
nft-set-missing = set { $name } is missing
nft-set-element-count = set { $name } has { $live } elements, expected { $expected }
nft-set-foreign = set { $name } is not sanso's

## Isolation

nft-isolation-set-missing = table inet sanso has no set { $set } (it was loaded before isolation existed)
nft-isolation-bad-element = set { $set } holds an element that is not an address range: { $element }
nft-isolation-unreadable = isolation cannot be read: { $error }
nft-isolated-extra = isolated, but should not be: { $prefixes }
nft-isolated-missing = not isolated, but should be: { $prefixes }

# apply-speed (issue 17): the read-back after an apply over netlink.
nft-op-read-table = read table inet sanso back
nft-set-element-missing = set { $name } lacks the element { $element }
nft-set-element-foreign = set { $name } holds the element { $element }, which is not sanso's
nft-set-elements-more = set { $name }: { $count } more elements differ
