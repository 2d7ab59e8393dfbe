## daemon のメッセージ（日本語）。ID は "daemon-" で始まり、en/daemon.ftl と同じ ID・同じ変数を持つ。


## client.rs: CLI 側の制御ソケット
daemon-client-connect = { $path } の sanso デーモンに接続できません（デーモンは動いていますか？ root で実行していますか？）
daemon-client-io = 制御ソケットの入出力に失敗しました
daemon-client-decode = デーモンの応答を読み取れません
daemon-client-no-answer = デーモンが応答せずに接続を閉じました

## archive.rs: ポリシーの保管庫
daemon-archive-write = { $path } に書き込めません
daemon-archive-read = { $path } を読み取れません
daemon-archive-bad-prefix = `{ $prefix }` はコンテンツハッシュでもその先頭部分でもありません（16 進数 { $min }〜64 桁で指定してください）
daemon-archive-not-found = { $dir } に、コンテンツハッシュが { $prefix } で始まる保管済みポリシーはありません
daemon-archive-ambiguous = { $prefix } に当てはまる保管済みポリシーが { $count } 件あります（{ $matches }）。桁数を増やしてください

## isolation.rs: 隔離の対象
daemon-isolation-kind-zone = ゾーン
daemon-isolation-kind-host = ホスト
daemon-isolation-kind-prefix = プレフィックス
daemon-isolation-kind-recovered = カーネルから回復
daemon-isolation-kind-tier = { $kind }、{ $tier }
daemon-isolation-entry = { $target }（{ $kind }）: { $prefixes }。{ $since } から
daemon-isolation-entry-until = 、期限 { $until }
daemon-isolation-entry-reason = 。理由: { $reason }
daemon-isolation-entry-ticket = 。申請番号 { $ticket }
daemon-isolation-bad-target = 対象 { $target }: ゾーン、ホスト、アドレスまたはプレフィックスを { $max } 文字以内で指定してください
daemon-isolation-self = 対象 "self": ゲートウェイ自身は隔離できません（管理用の通信は開いたままです。docs/operations.md の Isolation を参照してください）
daemon-isolation-no-policy = 対象 { $target }: 適用中のポリシーがないため、隔離できるのはアドレスとプレフィックスだけです
daemon-isolation-zone-and-host = 対象 { $target } はゾーン名でもホスト名でもあります。代わりにそのアドレスを隔離してください
daemon-isolation-zone-empty = ゾーン { $zone }: このゾーン自身のアドレスがありません
daemon-isolation-unknown-target = 対象 { $target } はポリシー { $policy } のゾーンでもホストでもなく、アドレスやプレフィックスでもありません
daemon-isolation-load-read = { $path } を読み取れません
daemon-isolation-load-damaged = { $path } が壊れています

## kernel.rs: カーネル側
daemon-kernel-apply = netlink による適用に失敗しました
daemon-kernel-readback = カーネルの実テーブルを読み戻せません
daemon-kernel-spawn = `{ $command }` を実行できません
daemon-kernel-failed = `{ $command }` が失敗しました（{ $status }）: { $stderr }
daemon-kernel-output = `{ $command }` の出力を読み取れません: { $what }
daemon-kernel-task = カーネル処理のタスクが予期せず停止しました
daemon-kernel-no-isolation = このカーネルには隔離用のセットがありません
daemon-kernel-isolation = 隔離の更新に失敗しました
daemon-kernel-no-links = このカーネルはリンクの一覧を返しません
daemon-kernel-no-nftables-array = `nftables` 配列がありません
daemon-json-not-an-array = 配列ではありません

## links.rs: ゲートウェイ上のポリシーのインターフェース
daemon-links-missing-interface = ゾーン { $zone }: インターフェース { $interface } がゲートウェイにありません。このインターフェースを通ってゾーンに出入りする通信はすべて通りません（なりすまし対策により、他の場所でこのゾーンのアドレスを名乗る通信は破棄されます）
daemon-links-spawn = `ip -j link show` を実行できません: { $error }
daemon-links-failed = `ip -j link show` が失敗しました（{ $status }）: { $stderr }

## lib.rs: 起動、ポリシーファイルの監視、停止
daemon-error-state-dir = 状態ディレクトリ { $path } を作成できません
daemon-error-socket = 制御ソケット { $path } で待ち受けできません
daemon-error-metrics = { $addr } でメトリクスを提供できません
daemon-error-syslog = 監査ログの先頭を { $addr } へ送るソケットを開けません
daemon-error-runtime = ランタイムまたはシグナルハンドラを準備できません
daemon-start-no-policy = ポリシーは適用されていません（ログを参照してください）。起動時のルールセットのままです
daemon-start-applied = { $policy } rev { $revision } を適用しました
daemon-log-ready = { $applied }。準備ができました
daemon-log-notify-failed = systemd に通知できません
daemon-log-sighup = SIGHUP: 再読み込みします
daemon-log-watch-slow = ポリシーファイルの監視: ファイルの読み取りがまだ終わりません。終わるまで次の確認はしません
daemon-watch-look-failed = ファイルの確認に失敗しました: { $error }
daemon-log-file-replaced = ポリシーファイルが置き換えられました: 再読み込みします
daemon-log-file-in-place = ポリシーファイルがその場で書き換えられました（置き換えではありません）。書き込み途中の可能性があるため適用しません。アトミックに置き換える（新しいファイルに書いてから mv で上書きする）か、`sanso reload` でそのまま適用してください
daemon-log-file-unreadable = ポリシーファイルを読み取れません: 適用しません。実行中のルールセットはそのままです
daemon-log-stopping = 停止します: { $said }。table inet sanso はカーネルに残ります
daemon-log-stopping-actor-gone = 停止します。アクターは既に停止していました。table inet sanso はカーネルに残ります
daemon-log-second-signal = 2 回目の { $signal }: アクターを待たずに停止します（保留中の適用が未確定のまま残ることがあります。次の起動時にロールバックされます）
daemon-log-stop-timeout = アクターが時間内に停止しませんでした（保留中の適用が未確定のまま残ることがあります。次の起動時にロールバックされます）

## nflog.rs: NFLOG の読み取り
daemon-nflog-namespace = ネットワーク名前空間 { $name }
daemon-nflog-open-socket = netfilter の netlink ソケットを開けません
daemon-nflog-bind-socket = netlink ソケットをバインドできません
daemon-nflog-set-timeout = 受信タイムアウトを設定できません
daemon-nflog-send-bind = NFLOG のバインド要求を送れません
daemon-nflog-read-bind-answer = NFLOG のバインド要求への応答を読み取れません
daemon-nflog-spawn-thread = NFLOG 読み取りスレッドを作成できません
daemon-nflog-start-thread = NFLOG 読み取りスレッドを開始できません
daemon-nflog-bind-group = カーネルが NFLOG グループ { $group } へのバインドを拒否しました（別のプログラム、ulogd または 2 つ目のデーモンが使用中の可能性があります）
daemon-nflog-no-answer = { $seconds } 秒以内に応答がありません
daemon-nflog-not-a-namespace = 名前空間の名前ではありません
daemon-nflog-thread-ended = バインドの前にスレッドが終了しました
daemon-log-nflog-receive-failed = NFLOG 読み取り: 受信に失敗しました。1 秒後に再試行します

## compile.rs
daemon-compile-refused =
    ポリシー { $file } は拒否されました:
    { $diagnostics }

## audit.rs: 監査ログ、その先頭ファイル、チェーン
daemon-audit-bad-anchor = 先頭（head）ではありません: レコードのハッシュ（16 進数 64 桁）または COUNT:HASH を指定してください
daemon-audit-head-file-read = 先頭ファイルを読み取れません
daemon-audit-head-file-malformed = 先頭ファイルが {"{"}"count":N,"hash":"…"{"}"} の 1 行ではありません
daemon-audit-open = 監査ログ { $path } を開けません
daemon-audit-write = 監査ログ { $path } に追記できません
daemon-audit-head-write = レコードは監査ログに書き込みましたが、先頭ファイル { $path } を更新できませんでした
daemon-audit-corrupt = 監査ログ { $path } の { $line } 行目が壊れています: { $reason }
daemon-audit-head-mismatch = 監査ログ { $path } が先頭ファイル { $head_file } と一致しません: { $explained }
daemon-audit-head-missing = 監査ログ { $path } にはレコードが { $count } 件ありますが、使える先頭ファイル { $head_file } がありません: { $problem }
daemon-audit-recover = 監査ログ { $path } を修復できません
daemon-audit-recovery-torn-tail = 最後のレコード（{ $line } 行目、{ $bytes } バイト）が途中で切れていました（書き込みの中断）: { $moved_to } に移しました。ログはレコード { $count } で終わり、先頭は { $kept } です
daemon-audit-recovery-head-mismatch = ログが先頭ファイル { $head_file } と一致しません: { $explained }。チェーンは { $found } から続きます
daemon-audit-recovery-head-missing = 使える先頭ファイル { $head_file } がありません（{ $problem }）: ログの { $count } 件のレコードは内部の整合性だけを確認しました。チェーンは { $found } から続きます
daemon-audit-recovery-broken-chain = チェーンが { $line } 行目で切れています: { $reason }。ログを { $moved_to } に移し、新しいログを始めました。切れ目より前の { $count } 件のレコードは無傷で、先頭は { $valid } です
daemon-audit-recovery-head-said = 。先頭ファイルの記載は { $head } でした
daemon-audit-recovery-no-head-file = 。先頭ファイルはありませんでした
daemon-audit-break-incomplete = 最後のレコードが途中で切れています（末尾の改行がありません）: 書き込みの中断です
daemon-audit-break-not-json = JSON ではありません
daemon-audit-break-duplicate-key = キー `{ $key }` が重複しています
daemon-audit-break-not-canonical = ログが書く正規形（キーは整列、空白なし）ではありません
daemon-audit-break-malformed = seq、prev、hash を持つ JSON オブジェクトではありません
daemon-audit-break-sequence = 通し番号が { $found } ですが、{ $expected } のはずです（レコードが削除されたか、順序が入れ替わっています）
daemon-audit-break-link = prev が直前のレコードのハッシュと一致しません（レコードが削除されたか、順序が入れ替わっています）
daemon-audit-break-hash = hash がレコードの内容と一致しません（レコードが変更されています）
daemon-audit-chain-break = { $line } 行目: { $reason }
daemon-audit-log-has = ログのレコードは { $count } 件、先頭は { $head } です
daemon-audit-head-matches = 先頭 { $expected } はログの最後のレコードです
daemon-audit-head-continues = 先頭 { $expected } はレコード { $at } です。ログはその後に { $extra } 件続きます（{ $has }）
daemon-audit-head-shorter = 先頭は { $expected } のはずですが、{ $has }: 末尾の { $missing } 件がありません（またはログが置き換えられています）
daemon-audit-head-differs = 先頭は { $expected } のはずですが、そのレコードはログにありません（{ $has }）: ログはそれより前で切られたか、書き換えられたか、置き換えられています

## control.rs: 制御ソケットの応答
daemon-log-control-connection-error = 制御ソケットの接続がエラーで終わりました
daemon-log-control-accept-failed = 制御ソケットで接続を受け付けられませんでした
daemon-log-control-non-root = 制御ソケット: root 以外の接続元を拒否しました
daemon-control-root-only = 権限がありません: sanso の制御ソケットは root 専用です
daemon-control-timeout = 要求を待つ間に時間切れになりました
daemon-control-read-failed = 要求を読み取れません: { $error }
daemon-log-control-too-large = 制御ソケット: { $bytes } バイトを超える要求を拒否しました
daemon-control-too-large = 要求を拒否しました: 制御ソケットの上限 { $mib } MiB を超えています
daemon-control-no-monitor = モニターが動いていません
daemon-control-bad-request = 不正な要求です: { $error }
daemon-log-control-refused = 制御ソケット: 要求を拒否しました
daemon-control-refused = 拒否しました: { $error }。何も変更していません
daemon-actor-stopped = デーモンのアクターが停止しています
daemon-control-confirm-range = --confirm は 1 秒から { $max } 秒の間で指定してください
daemon-control-events-by-monitor = イベントはモニターが提供します

## operator.rs
daemon-operator-daemon = デーモン（uid { $uid }）

## protocol.rs: --ticket と --reason の確認、status の表示
daemon-protocol-text-empty = { $what } は空にできません
daemon-protocol-text-too-long = { $what } が { $length } 文字あります。受け付けるのは { $max } 文字までです
daemon-protocol-text-control = { $what } は印字可能な 1 行の文字列にしてください: { $at } 文字目が制御文字 { $code } です
daemon-status-policy-file = ポリシーファイル: { $file }
daemon-status-netns = netns:            { $netns }
daemon-status-applied = 適用中:           { $policy } rev { $revision } sha256:{ $hash }
daemon-status-from = {"  "}ファイル:       { $file }
daemon-status-at = {"  "}適用日時:       { $at }
daemon-status-flows = {"  "}フロー数:       { $flows }
daemon-status-next-expiry = {"  "}次の期限切れ:   { $at }
daemon-status-applied-nothing = 適用中:           まだありません（起動時のルールセットのままです）
daemon-status-previous-table = 以前のテーブル
daemon-status-pending = 確定待ち:         { $seconds } 秒以内に確定してください（uid { $uid } の要求）。確定しなければ { $to } にロールバックします
daemon-status-drift = ドリフト:         { $drift }
daemon-status-last-error-at = 直近のエラー:     { $at }: { $error }
daemon-status-last-error = 直近のエラー:     { $error }
daemon-status-counts = 件数:
daemon-status-warning = 警告:             { $warning }
daemon-status-isolated-nothing = 隔離中:           なし
daemon-status-isolated = 隔離中:
daemon-status-audit-head = 監査ログの先頭:   { $head }

## monitor.rs: イベントの説明、モニターのログ、通知コマンド
daemon-event-forbidden = 禁止された層間通信: { $tiers }
daemon-event-forbidden-guardrail = 禁止された層間通信: { $tiers }（ガードレール { $guardrail }）
daemon-event-interface-zone = ゾーン { $zone }
daemon-event-interface-no-zone = どのゾーンにも属さないインターフェース
daemon-event-spoofed = 送信元のなりすまし: { $interface }（{ $on }）でゾーン { $zone } を名乗っています
daemon-event-isolated = 隔離: { $tiers }
daemon-event-drop = 既定により破棄: { $tiers }
daemon-event-ended = フローの終了とともに接続を終了: { $tiers }
daemon-event-unknown = どのゾーンにも属さないため破棄: { $tiers }
daemon-event-accept = フロー { $flow } により許可: { $tiers }
daemon-event-no-zone = ゾーンなし
daemon-log-monitor-reading = モニター: NFLOG グループ { $group } を読み取っています
daemon-log-monitor-cannot-read = モニター: NFLOG を読み取れません。読み取れるまでイベントはありません（{ $seconds } 秒後に再試行します）
daemon-log-monitor-reader-stopped = モニター: NFLOG の読み取りが止まりました。もう一度開始します
daemon-log-monitor-lost = モニター: デーモンが読み取る前にログ対象のパケットが失われました（ソケットのバッファが満杯です）
daemon-log-alert-busy = 通知コマンド: まだ { $running } 個が実行中のため、この通知は送りません
daemon-log-alert-killed = 通知コマンドを { $seconds } 秒で強制終了しました
daemon-log-alert-failed = 通知コマンドが失敗しました
daemon-alert-cannot-start = 起動できません: { $error }
daemon-alert-exited = 異常終了しました（{ $status }）

## metrics.rs: メトリクスのエンドポイント（メトリクス名と説明は英語のまま）
daemon-metrics-not-loopback = メトリクスのアドレス { $addr } はループバックアドレスではありません
daemon-log-metrics-accept-failed = メトリクスの接続を受け付けられませんでした
daemon-log-metrics-no-counters = メトリクス: カーネルのカウンタを読み取れません
daemon-metrics-try = /metrics を指定してください
