## cases のメッセージ（日本語）。ID は "cases-" で始まり、en/cases.ftl と同じ ID・同じ変数を持つ。


## キーの所属（「... に不明なキー ...」「... にキー ... がありません」で使う）。
cases-in-file = テストケースファイル
cases-in-case = テストケース { $case }

## `cases` が何であるべきか（「`cases` must be ...」で使う）。
cases-array-of-tables = テーブルの配列（[[cases]]）

## テストケースの表。
cases-not-a-table = テストケース #{ $number } はテーブルでなければなりませんが、{ $found } です
cases-duplicate-name = 同じ名前のテストケースがほかにあります
cases-first-of-name = その名前の最初のテストケース

## from / to。
cases-from-self = `from` に self は指定できません。テストケースはゲートウェイに届くパケットを試験します
cases-not-an-address = `{ $key }` = `{ $value }` は IP アドレスではありません
cases-unknown-host = `{ $key }` のホスト `{ $host }` は不明です
cases-names-a-zone = テストケースに指定するのはアドレスかホストで、ゾーンではありません
cases-family-mismatch = `from` { $from } と `to` { $to } のアドレスファミリーが異なります
cases-label-source = 送信元
cases-host-address-note = ホスト名は、そのホストの最初の IPv4 アドレス（ない場合は最初のアドレス）を表します。もう一方のアドレスを明示してください
cases-no-source-zone = `from` { $from } はどのゾーンにも分類されないため、パケットが届くインターフェースがありません
cases-no-source-zone-note = 特定のインターフェースから送り込むには iif = "..." を追加してください

## proto、expect、iif、at、client。
cases-unknown-proto = proto `{ $proto }` は不明です。tcp、udp、icmp、icmpv6 のいずれかを指定してください
cases-bad-expect = `expect` には "accept" か "drop" を指定してください（指定値: `{ $found }`）
cases-unknown-iif = iif `{ $iif }` はどのゾーンのインターフェースでもありません
cases-at-type = `at` には日付 "YYYY-MM-DD" か RFC 3339 の日時を指定してください（指定値: { $found }）
cases-at-note = `at` はテストケースのパケットを送る時刻です。日付は、その日の日本標準時（+09:00）の 0 時を表します
cases-icmp-v4-only = proto icmp は IPv4 専用ですが、`from` は { $from } です。icmpv6 を使ってください
cases-icmpv6-v6-only = proto icmpv6 は IPv6 専用ですが、`from` は { $from } です。icmp を使ってください
cases-client-proto = `client = true` には proto tcp か udp が必要です。実際のクライアントが接続を開くためです

## port。
cases-port-range = `port` は 1 から 65535 の間で指定してください
cases-port-type = { $proto } の `port` は整数で指定してください（指定値: { $found }）
cases-icmp-type-range = { $proto } のタイプは 0 から 255 の間で指定してください
cases-icmp-type-type = { $proto } の `port` には ICMP タイプの名前か番号を指定してください（指定値: { $found }）
