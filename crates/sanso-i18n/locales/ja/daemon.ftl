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
daemon-kernel-output = `{ $command }` の出力を読み取れません: { $what }
daemon-kernel-task = カーネル処理のタスクが予期せず停止しました
daemon-kernel-no-isolation = このカーネルには隔離用のセットがありません
daemon-kernel-isolation = 隔離の更新に失敗しました
daemon-kernel-netlink-read = カーネルの netlink での読み取りに失敗しました
daemon-kernel-no-links = このカーネルはリンクの一覧を返しません
daemon-json-not-an-array = 配列ではありません

## links.rs: ゲートウェイ上のポリシーのインターフェース
daemon-links-missing-interface = ゾーン { $zone }: インターフェース { $interface } がゲートウェイにありません。このインターフェースを通ってゾーンに出入りすることはできません（なりすまし対策により、他の場所でこのゾーンのアドレスを名乗る通信は破棄されます）

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
daemon-audit-log-has = ログのレコードは { $count } 件、先頭は { $head }
daemon-audit-head-matches = 先頭 { $expected } はログの最後のレコードです
daemon-audit-head-continues = 先頭 { $expected } はレコード { $at } です。ログはその後に { $extra } 件続きます（{ $has }）
daemon-audit-head-shorter = 先頭は { $expected } のはずですが、{ $has } です。末尾の { $missing } 件がありません（またはログが置き換えられています）
daemon-audit-head-differs = 先頭は { $expected } のはずですが、そのレコードはログにありません（{ $has }）。ログはそれより前で切られたか、書き換えられたか、置き換えられています

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
daemon-log-peer-environ = 制御ソケットの接続元プロセスの環境変数を読み取れません

## protocol.rs: --ticket と --reason の確認
daemon-protocol-text-empty = { $what } は空にできません
daemon-protocol-text-too-long = { $what } が { $length } 文字あります。受け付けるのは { $max } 文字までです
daemon-protocol-text-control = { $what } は印字可能な 1 行の文字列にしてください: { $at } 文字目が制御文字 { $code } です

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

## actor.rs: 運用者への応答、status の直近のエラー、デーモンのログ
daemon-check-verified = 読み戻して確認済みです
daemon-check-not-read-back = 未確認です: テーブルを読み戻せません
daemon-first-of = 差異 { $count } 件、最初の差異: { $first }
daemon-read-policy-failed = { $file } の読み取りが予期せず失敗しました
daemon-read-policy-slow = { $file } の読み取りに { $seconds } 秒以上かかりました。実行中のルールセットは変わりません
daemon-log-audit-recovered = 監査ログが先頭ファイルの記載と異なっていました。記録しました
daemon-log-actor-stopped = アクターが停止しました。ルールセットはカーネルに残ります
daemon-log-reconcile = 前回の実行はカーネルの変更からその結果の記録までの間で止まりました
daemon-actor-stopping = アクターは停止中です
daemon-log-audit-written = 監査レコードを書き込みました
daemon-log-syslog-failed = 監査ログの先頭を syslog の収集先へ送れません
daemon-audit-lost = 監査ログに書き込めません: { $error }
daemon-log-audit-lost = 【監査レコード消失】監査レコードを書き込めませんでした
daemon-intent-lost-refused = { $error }。何も変更していません: 変更は、その意図を記録してからでなければ行いません
daemon-log-intent-lost = 意図のレコードが失われました。この変更はゲートウェイを閉じるもの、または承認済みの状態に戻すものなので、そのまま行います
daemon-log-policy-refused = ポリシーを拒否しました。実行中のルールセットは変わりません
daemon-policy-refused =
    ポリシーを拒否しました。実行中のルールセットは変わりません
    { $error }
daemon-log-apply-failed = 適用に失敗しました
daemon-apply-failed = 適用に失敗しました: { $error }
daemon-listing-differs = テーブルの一覧が保存時と異なります
daemon-kernel-refused-apply = カーネルが拒否しました。実行中のルールセットは変わりません: { $error }
daemon-log-not-read-back = 適用後にテーブルを読み戻せません: 未確認です。ドリフトの確認は読み戻せるまで待ちます
daemon-applied-not-verified = { $policy } を適用しましたが未確認です: テーブルを読み戻せません: { $error }
daemon-log-archive-failed = 適用したポリシーを保管できません
daemon-log-last-good-failed = 起動時に読み込む、最後に成功したルールセットを保存できません
daemon-cannot-save = { $path } を保存できません: { $error }
daemon-log-verify-failed = 読み戻したテーブルが読み込んだ形と一致しません
daemon-unverified = 適用後に読み戻したテーブルがコンパイルした形と一致しません（{ $first }）。{ $kernel_now }
daemon-put-back-reapplied = 以前実行していたルールセット { $policy } を再適用しました
daemon-put-back-restored-table = テーブルを適用前の状態に戻しました
daemon-put-back-fallback = 閉じた代替ルールセットを読み込みました
daemon-put-back-failed = 以前の状態に戻せませんでした（{ $error }）: カーネルには { $policy } の未確認のテーブルが入っています
daemon-put-back-verified = { $what }。読み込んだとおりに読み戻せました
daemon-put-back-mismatch = { $what }が、これも読み戻すと異なります（{ $first }）: カーネルには未確認のテーブルが入っています
daemon-put-back-not-read-back = { $what }。未確認です: テーブルを読み戻せません（{ $error }）
daemon-log-reload-deferred = 保留中の適用が確定またはロールバックされるまで、再読み込みを延期します
daemon-reload-deferred = 確定待ちの適用があります。再読み込みは `sanso confirm` またはロールバックの後に行います
daemon-log-policy-applied = ポリシーを適用しました
daemon-reload-applied = { $policy } rev { $revision } を適用しました（フロー { $flows } 件）。{ $check }
daemon-record-lost = { $message }。ただし、その監査レコードは失われました: { $error }
daemon-apply-already-pending = 別の適用が確定待ちです。それを確定するか、ロールバックを待ってください
daemon-cannot-save-for-rollback = ロールバック用に現在のテーブルを保存できません: { $error }
daemon-cannot-save-window = 確定待ちの情報を { $path } に保存できません。何も変更していません: { $error }
daemon-log-window-not-removed-apply = 保存した確定待ちの情報を削除できません。次の起動時に現在のルールセットへロールバックされます
daemon-log-applied-pending = 適用しました。期限内に確定しなければロールバックします
daemon-apply-pending = { $policy } rev { $revision } を適用しました。{ $check }。{ $seconds } 秒以内に `sanso confirm` を実行しなければロールバックします
daemon-nothing-to-confirm = 確定するものはありません
daemon-log-confirmed = 適用を確定しました
daemon-confirm-boot-unchanged = 起動時には引き続き以前のルールセットが読み込まれます: { $error }
daemon-log-window-not-removed = 保存した確定待ちの情報を削除できません
daemon-confirm-window-not-removed = { $file } を削除できません（再起動するとロールバックされます）: { $error }
daemon-confirmed = 確定しました。適用したポリシーを維持します
daemon-confirmed-but = 確定しました。適用したポリシーを維持しますが、次の問題があります: { $problems }
daemon-reason-stopping = デーモンが停止します（{ $signal }）
daemon-nothing-pending = 確定待ちの適用はありませんでした
daemon-isolate-target-count = 対象を 1〜{ $max } 個指定してください
daemon-isolate-needs-reason = 隔離には --reason が必要です（監査レコードに記録されます）
daemon-isolate-nothing =
    何も隔離していません:
    { $problems }
daemon-isolate-too-many = 隔離できる対象は { $max } 個までです。先にいくつか隔離解除してください
daemon-isolated = { $targets } を { $ms } ミリ秒で隔離しました（カーネル内の範囲 { $ranges } 件）。{ $connections }
daemon-release-needs-reason = 隔離解除には --reason が必要です（監査レコードに記録されます）
daemon-release-unknown = 隔離されていません: { $targets }。現在隔離中: { $isolated }
daemon-release-unknown-none = 隔離されていません: { $targets }。現在隔離中のものはありません
daemon-released = { $targets } を { $ms } ミリ秒で隔離解除しました（引き続き隔離中の範囲 { $ranges } 件）
daemon-isolation-refused = カーネルが隔離の更新を拒否しました。何も変わっていません: { $error }
daemon-connections-cut = 開いていた接続 { $deleted } 件を切断しました（conntrack のエントリ { $examined } 件を調べ、ゲートウェイ自身への { $spared } 件は残しました）
daemon-connections-not-cut = 接続の conntrack エントリを削除できませんでした（{ $error }）。それでもそのパケットは破棄されます
daemon-log-isolations-not-saved = 隔離の情報を保存できません。デーモンを再起動した場合はカーネルから回復しますが、OS を再起動（reboot）すると失われます
daemon-isolations-not-saved = 隔離の情報を保存できません: { $error }
daemon-log-isolation-changed = 隔離を変更しました
daemon-isolation-record-lost = カーネルで { $action } を行いましたが、その監査レコードは失われました: { $error }
daemon-isolation-save-lost = カーネルで { $action } を行いましたが、保存できませんでした（OS を再起動（reboot）すると失われます）: { $error }
daemon-log-expired-release-failed = 期限の来た隔離を解除できません。後で再試行します
daemon-log-isolations-unreadable = 隔離のファイルを読み取れません。カーネルで隔離中のものはそのまま維持します
daemon-log-isolation-recovered = 記録のない隔離がカーネルで見つかりました: 回復分として維持します
daemon-log-recovered-not-saved = 回復した隔離を保存できません
daemon-reason-not-confirmed = 期限内に確定されませんでした
daemon-log-window-not-removed-rollback = 保存した確定待ちの情報を削除できません。次の起動時にもう一度ロールバックします
daemon-table-before-apply = 適用前のテーブル
daemon-log-rolled-back = 未確定の適用をロールバックしました
daemon-rolled-back = { $to } にロールバックしました（{ $reason }）
daemon-log-rollback-failed = 【ロールバック失敗】ロールバックに失敗しました
daemon-rollback-failed-status = ロールバックに失敗しました: { $error }
daemon-rollback-failed = ロールバックに失敗しました（{ $reason }）: { $error }
daemon-log-window-damaged = 保存した確定待ちの情報が読めません。閉じた代替ルールセットにロールバックします
daemon-reason-window-damaged = 保存した確定待ちの情報が読めません（{ $error }）。それ以前に何が動いていたかは不明です
daemon-log-rollback-policy-broken = ロールバック先のポリシーがもうコンパイルできません。閉じた代替ルールセットに戻します
daemon-reason-missed-deadline = 確定の期限にデーモンが動いていませんでした
daemon-reason-restarted = 確定待ちの間にデーモンが再起動しました
daemon-restore-isolation-failed = テーブルを適用前の状態に戻しましたが、隔離中のものをそこへ戻せませんでした: { $error }
daemon-closed-fallback = 閉じた代替ルールセット
daemon-the-ruleset = ルールセット
daemon-restore-refused = カーネルが{ $what }を拒否しました。未確定のポリシーがまだカーネルに入っています: { $error }
daemon-log-restore-not-read-back = { $what }に戻した後、テーブルを読み戻せません: 未確認です
daemon-restore-kernel-now = { $what }を読み込みましたが、読み戻すと異なります
daemon-restore-mismatch = { $what }に戻しましたが、読み戻すと異なります（{ $first }）: カーネルには未確認のテーブルが入っています
daemon-log-expiry-recompile-failed = 期限切れの時点で再コンパイルできません。カーネルの時刻条件は引き続き効いています
daemon-log-flows-expired = フローが期限切れになりました。それを除いてルールセットを再コンパイルしました
daemon-log-drift = ドリフト: カーネルの実テーブルが適用したルールセットと異なります
daemon-log-drift-restored = ドリフト: 本来のルールセットに戻しました
daemon-log-drift-unreadable = ドリフトの確認: カーネルの実テーブルを【読み取れません】。カーネルが何を通しているかを確認できるものがありません
daemon-log-generation-unreadable = ドリフトの確認: ルールセットの世代を読み取れませんでした。代わりにテーブルを読み戻します
daemon-log-drift-unreadable-restored = ドリフト: テーブルを読み取れなかったため、承認済みのルールセットを読み込み直しました
daemon-log-neighbours-unreadable = 近隣テーブル（ARP/NDP）を読み取れません
daemon-log-too-many-findings = 記憶しているホストの検出が多すぎるため、忘れます
daemon-log-host-event = ホストのイベント: ポリシーにない近隣ホストです

## bounded.rs: 長い文字列から省いた分
daemon-bounded-more-bytes = …（残り { $bytes } バイトを省略）
daemon-bounded-more-lines = …（残り { $lines } 行、{ $bytes } バイトを省略）

## netlink-boot（issue 17）: 起動時に netlink で復元する、最後に正常だった組
daemon-restore-missing = { $path } がありません
daemon-restore-read = { $path } を読めません
daemon-restore-damaged = { $path } が壊れています（デーモンが書く JSON ではありません）
daemon-restore-format = { $path } の形式は { $found } です。この sanso が読めるのは形式 { $expected } です
daemon-restore-policy-hash = { $path } のポリシーのテキストが、一緒に保存されたハッシュと一致しません（壊れているか、手で変更されています）
daemon-restore-nft-hash = { $nft } は { $path } と一緒に保存されたテキストではありません（片方だけが書かれたか、手で変更されています）
daemon-restore-comment = { $nft } のポリシーの識別子（カウンタ identity のコメント、なければテーブルのコメント）が、隣に保存されたポリシーを指していません
daemon-restore-not-regular = 通常のファイルではありません
