## explain のメッセージ（日本語）。ID は "explain-" で始まり、en/explain.ftl と同じ ID・同じ変数を持つ。


# `sanso explain` の各行のラベル。値は一つの桁にそろえて続く。
explain-label-from = 送信元:
explain-label-to = 宛先:
explain-label-arrives-on = 受信インターフェース:
explain-label-packet = パケット:
explain-label-verdict = 判定:
explain-label-decided-by = 判定の根拠:
explain-label-isolated = 隔離:
explain-label-by = 実行者:
explain-label-since = 開始:
explain-label-until = 期限:
explain-label-why = 理由:
explain-label-ticket = 申請番号:
explain-label-management = 管理接続:
explain-label-policy = ポリシー:
explain-label-flow = フロー:
explain-label-pair = 組:
explain-label-crosses = 越える境界:
explain-label-reason = 理由:
explain-label-exception = 例外:

# パケットの一端。
explain-end-host = { $address }（ホスト { $host }）、{ $zone }
explain-end = { $address }、{ $zone }
explain-zone = ゾーン { $zone }（{ $tier }、{ $standing }）
explain-no-zone = ゾーンなし
explain-gateway = self（ゲートウェイ自身）
explain-sent-by-gateway = -（ゲートウェイ自身が送信）
explain-no-zone-interface = ゾーンのインターフェースなし

# 判定。
explain-verdict-isolated = 隔離（破棄）
explain-isolation-decided = 隔離（sanso isolate）: { $ends ->
        [source] 送信元
        [destination] 宛先
       *[both] 送信元と宛先
    }が隔離されています
explain-isolated-end = { $end ->
        [source] 送信元
       *[destination] 宛先
    } { $address }: { $what }
explain-isolated-what = { $target }（{ $kind ->
        [zone] ゾーン
        [host] ホスト
        [prefix] アドレスまたはプレフィックス
       *[recovered] カーネル上で検出
    }{ $tier ->
        [none] {""}
       *[other] 、{ $tier }
    }）: { $prefixes }
explain-isolated-until = { $until }（--for）
explain-management-open = 開いたままです: 隔離されたアドレスからゲートウェイ自身への接続は、管理者が自分を締め出さないよう、ポリシーの self へのフローで判定します（docs/operations.md の Isolation）
explain-policy-once-released = { $verdict }、根拠は { $decided }（隔離解除後に戻ります）

# 判定したフロー。
explain-flow = { $flow }（{ $at }）
explain-crosses-unknown = 不明（フローのどの端もこのパケットを含みません）
explain-crosses-none = なし（{ $why }）
explain-exception-not-counted = { $exception }。ガードレールを免除しないため、例外には数えません

# 引数の誤り。
explain-host-no-address = ホスト { $host } にはアドレスがありません
explain-end-is-zone = { $option } { $zone } はゾーンです。アドレスかホスト名を指定してください
explain-end-unknown = { $option } { $what } はアドレスでも、ポリシー { $policy } のホストでもありません
explain-self-to-self = --from self と --to self: ゲートウェイ自身から自身への通信はループバックで、常に許可されます
explain-mixed-families = --from { $from } と --to { $to } はアドレスファミリーが異なります
explain-bad-port = --port { $port }: ポートは 1 から 65535 までの数です
explain-proto-family = --proto { $proto } は { $address } のアドレスファミリーに合いません
explain-bad-proto = --proto { $proto }: tcp、udp、icmp、icmpv6 のいずれかを指定してください
