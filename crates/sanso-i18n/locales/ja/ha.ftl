## ha のメッセージ（日本語）。ID は "ha-" で始まり、en/ha.ftl と同じ ID・同じ変数を持つ。


## sanso ha check, render, notify
ha-cannot-read = HA ファイル { $path } を読めません
ha-problems = { $path }: 問題が { $count } 件あります。何も書き出していません
ha-valid = { $path }: HA ペア { $nodes } は有効です。同期リンクは { $interface }、仮想インターフェースは { $count } 個です
ha-no-such-node = { $path }: ノード { $node } はありません（このファイルのノードは { $nodes } です）
ha-cannot-create = { $path } を作成できません
ha-cannot-write = { $path } に書き込めません
ha-wrote = { $path } に書き出しました
ha-command-cannot-run = { $command }: 実行できません: { $error }
ha-command-ok = { $command }: 成功
ha-command-failed = { $command }: 失敗しました（{ $status }）
ha-command-no-answer = { $command }: { $seconds } 秒以内に応答がありません
ha-command-error = { $command }: エラー: { $error }
ha-notify-line = sanso ha notify { $role } の結果: { $line }
ha-notify-cannot-record = sanso ha notify { $role }: 役割を { $path } に記録できません: { $error }

## sanso ha relay
ha-relay-no-raw-socket = VRRP の raw ソケットを開けません（CAP_NET_RAW が必要です）
ha-relay-no-interface = このノードにインターフェース { $interface } はありません
ha-relay-started = sanso ha relay: ノード { $node }、VRRP インスタンス { $count } 個（{ $instances }）。相手ノードがその一つを辞退したら、他のインスタンスに伝えます
ha-relay-instance = { $interface } の vrid { $vrid }
ha-relay-handed = sanso ha relay: { $source } が vrid { $vrid } を辞退しました。{ $interface } の vrid { $target } に伝えました
ha-relay-cannot-hand = sanso ha relay: { $source } が vrid { $vrid } を辞退しました。{ $interface } の vrid { $target } に伝えられません: { $error }

## The daemon's side of the pair
ha-unknown-node = ノード { $node } は HA ファイルにありません（ファイルのノードは { $nodes } です）
ha-cannot-bind = 通知用ソケットを { $address } にバインドできません（同期インターフェースが起動していて、このノードの同期アドレスが付いていますか）
ha-log-role = HA: keepalived が役割を報告しました
ha-log-cannot-send = HA: 相手ノードに通知を送れません
ha-log-dropped = HA: 通知を破棄しました
ha-dropped-address = 送信元 { $from } は相手ノードの同期アドレス { $peer } ではありません
ha-dropped-node = 送信元ノード { $node } は { $peer } ではありません
ha-dropped-replayed = 再送です: seq { $seq } は { $last } より後ではありません
ha-log-match-again = HA: 相手ノードのポリシーがこのノードと再び一致しました
ha-log-mismatch = HA: 相手ノードがこのノードと異なるポリシーを 1 チェック間隔より長く適用しています。両ノードに同じポリシーを展開してください

## Announcements refused
ha-refused-malformed = 通知ではありません（MAC の行がない、UTF-8 でない、または想定した JSON でない）
ha-refused-bad-mac = MAC が検証できません（別の鍵か、途中で改ざんされています）
ha-refused-stale = 送信時刻が現在から { $seconds } 秒ずれています。許容範囲 { $max } 秒の外です（時計のずれ、または再送）

## The HA file
ha-node-names = { $first } と { $second }
ha-bad-interface-length = { $name } はインターフェース名ではありません。1 から 15 バイトで指定してください
ha-bad-interface-chars = { $name } はインターフェース名ではありません。ASCII の英字、数字、'-'、'_'、'.' を使ってください
ha-bad-node-name = { $name } はノード名ではありません。ASCII の英字、数字、'-'、'_' の 1 から 32 文字で、英字か数字で始めてください
ha-out-of-range = { $value } は範囲外です。{ $what }は { $min } から { $max } の間で指定してください
ha-what-port = ポート番号
ha-what-check-interval = チェック間隔（秒）
ha-what-advert-interval = アドバタイズ間隔（秒）
ha-what-router-id = VRRP のルーター ID
ha-what-priority = VRRP の優先度
ha-key-file-relative = { $path } は絶対パスで指定してください（デーモンはこのディレクトリで動きません）
ha-port-shared = { $port } は conntrackd のポートでもあります。sanso の通知には別のポートが必要です
ha-no-virtuals = 仮想アドレスがありません。ペアが受け持つゾーンのインターフェースごとに、router_id と addresses を書いた [virtual.IFACE] テーブルを追加してください
ha-virtual-on-sync = { $name } は同期インターフェースです。仮想アドレスはゾーンのインターフェースに置いてください
ha-router-id-shared = ルーター ID { $id } は virtual.{ $other } でも使われています。インターフェースごとに別の ID が必要です
ha-no-addresses = アドレスがありません。仮想アドレスをプレフィックス長付きで列挙してください（例: "10.0.1.1/24"）
ha-address-shared = { $address } は virtual.{ $other } の仮想アドレスでもあります
ha-bad-address = { $value } はプレフィックス長付きのアドレスではありません（例: "10.0.1.1/24"、"fd00:1::1/64"）
ha-node-count = ノードが { $count } 個あります。ペアには [nodes.NAME] テーブルがちょうど 2 個必要です
ha-bad-sync-address-kind = { $address } は同期リンク上のノードのアドレスにできません
ha-bad-sync-address = { $value } はアドレスではありません（ここにはプレフィックス長を付けません。例: "192.168.255.1"）
ha-same-priority = { $priority } は nodes.{ $other } の優先度でもあります。アクティブにするノードの優先度を高くしてください
ha-same-sync-address = { $address } は nodes.{ $other } の同期アドレスでもあります
ha-sync-families = { $address } と nodes.{ $other } の { $other_address } はアドレスファミリーが異なります。両方 IPv4 か、両方 IPv6 にしてください
ha-sync-is-virtual = { $address } は virtual.{ $interface } の仮想アドレスです
