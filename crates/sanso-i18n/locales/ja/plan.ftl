## plan のメッセージ（日本語）。ID は "plan-" で始まり、en/plan.ftl と同じ ID・同じ変数を持つ。


# 計画（sanso-plan）: `sanso plan --against`、`sanso diff`。
plan-policy-id = { $name } 版 { $revision }（sha256:{ $hash }）
plan-gateway = self（ゲートウェイ自身）
plan-head = 計画: { $old } -> { $new }
plan-head-first = 計画: { $new } の初回適用
plan-no-changes = 変更はありません。
plan-only-text-differs = ゾーン、フロー、到達性に変更はありません。ルールセットのテキストだけが異なります。
plan-zones-heading = ゾーン:
plan-zone = ゾーン { $zone }（{ $tier }、{ $standing }）
plan-flows-heading = フロー:
plan-flow = フロー { $flow }: { $summary }
plan-flow-reason = 理由: { $reason }
plan-flow-changed = フロー { $flow }（{ $fields } を変更）
plan-reach-heading = ゾーン間の到達性:
plan-reachable = 新たに到達可能: { $from } -> { $to }: { $service }
plan-unreachable = 到達不能になる: { $from } -> { $to }: { $service }
plan-ruleset-heading = ルールセット（nft テキスト）:

# `sanso plan --live` と `sanso drift`。
plan-cannot-compute-new = 新しいルールセットのカーネル上の形を求められません
plan-cannot-compute-policy = ポリシーのルールセットのカーネル上の形を求められません
plan-cannot-read-live = 稼働中のテーブルを読めません
plan-warning = 警告: { $warning }
plan-live-head = 計画: { $name } 版 { $revision } と稼働中のテーブルの比較
plan-live-head-netns = 計画: { $name } 版 { $revision } と稼働中のテーブル（netns { $netns }）の比較
plan-live-comment = 稼働中: { $comment }
plan-live-no-table = （table inet sanso はありません）
plan-live-no-change = 変更なし: 稼働中のテーブルはこのポリシーのコンパイル結果と同じです
plan-live-changes = { $count } 件の変更が行われます（added = 適用で追加されるもの）:

# `sanso diff`。
plan-diff-give-old-and-new = OLD と NEW、または --list を指定してください
plan-diff-lines-differ = { $count } 行が異なります。--ruleset で表示します
plan-diff-old = 旧: { $revision }
plan-diff-new = 新: { $revision }
plan-diff-not-a-revision = { $what } はポリシーファイルでも、保管された版でもありません
plan-diff-archive-changed = { $path } は保管後に変更されています: 内容ハッシュは { $hash } です
plan-diff-archived = { $path }（保管済み）
plan-diff-archived-as = { $path }（保管済み: { $name } 版 { $revision }、初回適用 { $applied }、適用元 { $file }）
plan-diff-archive-empty = { $dir } に保管されたポリシーはありません
plan-diff-archive-entry = { $hash }  { $applied }  { $name } 版 { $revision }  { $file }
plan-diff-archive-entry-bare = { $hash }  （説明なし）
