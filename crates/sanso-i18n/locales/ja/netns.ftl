## netns のメッセージ（日本語）。ID は "netns-" で始まり、en/netns.ftl と同じ ID・同じ変数を持つ。


# カーネルでの実行（`sanso test --kernel`、`sanso verify`）が判定を出せなかった理由。
netns-not-privileged = カーネルでの検査には root 権限が必要です（ネットワーク名前空間の作成と nftables ルールセットの読み込みのため CAP_NET_ADMIN と CAP_SYS_ADMIN）。現在は uid { $euid } で実行しています
netns-unknown-interface = プローブ { $probe }: インターフェース { $interface } はポリシーのどのゾーンのインターフェースでもありません
netns-no-interface-for-source = プローブ { $probe }: 送信元 { $src } はどのゾーンにも属さないため、既定のインターフェースがありません。`iif` を指定してください
netns-mixed-families = プローブ { $probe }: 送信元 { $src } と宛先 { $dst } はアドレスファミリーが異なります
netns-special-address = プローブ { $probe }: { $addr } はカーネルが特別に扱うアドレス（未指定、ループバック、リンクローカル、マルチキャスト、ブロードキャスト、予約済み）のため、インターフェースの先に置けません
netns-spawn = { $command } を実行できませんでした
netns-thread-in-namespace = 名前空間 { $namespace } 内のスレッド
netns-client = 実クライアント: { $what }
netns-nft-load = ゲートウェイの名前空間で nft がルールセットを拒否しました: { $stderr }
netns-enter-namespace = ネットワーク名前空間 { $namespace } に入れませんでした
netns-setns-failed = setns に失敗しました
netns-sysctl = 名前空間 { $namespace } で sysctl { $path } を設定できませんでした
netns-socket = 名前空間 { $namespace } で{ $step ->
        [open-packet-capture] パケットキャプチャ用ソケットを開く
        [enlarge-capture-buffer] キャプチャバッファを拡げる
        [look-up-peer-interface] 対向インターフェースを調べる
        [open-raw-capture] raw キャプチャソケットを開く
        [read-capture] キャプチャソケットを読む
        [find-peer-interface] 対向インターフェースを探す
        [open-send] 送信用ソケットを開く
       *[send-probe] プローブを送る
    }ときにソケットエラーが発生しました
netns-no-peer-interface = { $interface } がありません
netns-not-ethernet = Ethernet のチャネルではありません
netns-sent-nothing = pnet が何も送信しませんでした
netns-thread-panicked = { $what ->
        [namespace] 名前空間
        [sysctl] sysctl
        [capture] キャプチャ
        [send] 送信
       *[other] { $what }
    }スレッドが異常終了しました
netns-capture-not-ready = キャプチャのスレッドが { $seconds } 秒以内に準備できませんでした

# `client = true` のテストケースの実クライアント。
netns-client-no-namespace = プローブ { $probe }: { $address } を持つ名前空間がありません
netns-client-needs-tcp-or-udp = プローブ { $probe }: 実クライアントには tcp か udp が必要です
netns-client-cannot-bind = { $address } に bind できません
netns-client-could-not-connect = { $label }: 接続できませんでした
netns-client-thread-ended = { $label }: 接続のスレッドが終了しています
netns-client-no-result = { $label }: { $wait } 以内に結果がありません
netns-client-watched-could-not-connect = 監視中の接続が { $address } に接続できませんでした

# 名前空間の後片付け。
netns-cannot-remove = sanso-netns: { $path } を削除できませんでした。`ip netns del` で手動で削除してください
netns-cannot-install-handler = sanso-netns: { $signal } の後片付けハンドラを設定できませんでした: { $error }

# カーネルでの実行の数値（`sanso test --kernel`、`sanso verify`）。
netns-run-sizes = カーネル: プローブ { $probes } 件（許可 { $accepted } 件、破棄 { $dropped } 件）。トポロジー { $topologies } 個（名前空間 { $namespaces } 個、リンク { $links } 本、アドレス { $addresses } 個）
netns-run-times = 時間: 構築 { $setup } ms、読み込み { $load } ms、送信 { $send } ms、待機 { $wait } ms（破棄とみなす待ち時間 { $drop_wait } ms）、撤去 { $teardown } ms。プローブあたり { $per_probe } ms
netns-run-slowest = 。最も遅い許可 { $latency } ms
