## plan messages (English). Ids start with "plan-"; ja/plan.ftl holds the same ids with the same variables.


# The plan (sanso-plan): `sanso plan --against`, `sanso diff`.
plan-policy-id = { $name } rev { $revision } (sha256:{ $hash })
plan-gateway = self (the gateway)
plan-head = Plan: { $old } -> { $new }
plan-head-first = Plan: first apply of { $new }
plan-no-changes = No changes.
plan-only-text-differs = No change to zones, flows or reachability; only the ruleset text differs.
plan-zones-heading = Zones:
plan-zone = zone { $zone } ({ $tier }, { $standing })
plan-flows-heading = Flows:
plan-flow = flow { $flow }: { $summary }
plan-flow-reason = reason: { $reason }
plan-flow-changed = flow { $flow } ({ $fields } changed)
plan-reach-heading = Reachability between zones:
plan-reachable = now reachable: { $from } -> { $to }: { $service }
plan-unreachable = no longer reachable: { $from } -> { $to }: { $service }
plan-ruleset-heading = Ruleset (nft text):

# `sanso plan --live` and `sanso drift`.
plan-cannot-compute-new = cannot compute the kernel's view of the new ruleset
plan-cannot-compute-policy = cannot compute the kernel's view of the policy's ruleset
plan-cannot-read-live = cannot read the live table
plan-warning = warning: { $warning }
plan-live-head = plan: { $name } rev { $revision } against the live table
plan-live-head-netns = plan: { $name } rev { $revision } against the live table in netns { $netns }
plan-live-comment = live: { $comment }
plan-live-no-table = (no table inet sanso)
plan-live-no-change = no change: the live table is what this policy compiles to
plan-live-changes = { $count } change(s) would be made (added = applying adds it):

# `sanso diff`.
plan-diff-give-old-and-new = give OLD and NEW, or --list
plan-diff-lines-differ = { $count } line(s) differ; --ruleset shows them
plan-diff-old = old: { $revision }
plan-diff-new = new: { $revision }
plan-diff-not-a-revision = { $what } is neither a policy file nor an archived revision
plan-diff-archive-changed = { $path } was changed after it was archived: its content hash is { $hash }
plan-diff-archived = { $path } (archived)
plan-diff-archived-as = { $path } (archived: { $name } rev { $revision }, first applied { $applied } from { $file })
plan-diff-archive-empty = no archived policies in { $dir }
plan-diff-archive-entry = { $hash }  { $applied }  { $name } rev { $revision }  { $file }
plan-diff-archive-entry-bare = { $hash }  (no description)
