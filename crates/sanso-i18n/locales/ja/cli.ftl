## cli のメッセージ（日本語）。ID は "cli-" で始まり、en/cli.ftl と同じ ID・同じ変数を持つ。


## 複数のコマンドで共通

# ポリシーの名前（必要ならコードが引用符で囲む）と改訂。
cli-name-rev = { $name }（改訂 { $revision }）
cli-cannot-read = { $path } を読めません
cli-cannot-write = { $path } に書き込めません
cli-cannot-write-stdout = 標準出力に書き込めません
cli-isolations-unreadable = 何が隔離されているか分かりません（--state-dir { $dir }）
cli-isolations-left-out = { $error }。隔離は考慮しません（root で実行するか、--state-dir を指定してください）
cli-unexpected-answer = デーモンから想定外の応答がありました
cli-unexpected-answer-message = 想定外の応答です: { $message }
cli-nothing-isolated = 隔離中のものはありません

## check

cli-check-valid = { $file }: ポリシー { $name }は有効です: ゾーン { $zones }、ホスト { $hosts }、フロー { $flows }（うち承認済みの例外によるもの { $exceptions }）
cli-check-refused-warnings = { $file }: 警告 { $warnings } 件のため、--deny-warnings により拒否しました

## apply

cli-apply-no-policy-yet = ポリシーはまだありません
cli-apply-owner = { $socket } の sanso デーモンが { $file } から table inet sanso を適用しています（{ $applied }）
cli-apply-owner-in-netns = { $socket } の sanso デーモンが netns { $netns } で { $file } から table inet sanso を適用しています（{ $applied }）
cli-apply-why-needs-confirm = --ticket と --reason はデーモンの監査ログに記録されるため、--confirm（デーモン経由の適用）が必要です
cli-apply-too-large = { $file } は大きすぎてデーモンに送れません: 要求は { $size } バイトとなり、制御ソケットの上限 { $limit } MiB を超えます。デーモンのポリシーファイルとして配置し、代わりに `sanso reload` を実行してください
cli-apply-daemon-owns-table =
    { $daemon }。直接適用してもドリフト監視で元に戻されるため、何も適用していません。
    代わりにデーモン経由で適用してください:
    {"  "}sanso apply { $file } --confirm 120s    （すぐに適用し、`sanso confirm` がなければロールバック）
    またはファイルをデーモンのポリシーファイルとして（rename で）配置し、`sanso reload` を実行してください
cli-apply-strict-missing = --strict: ポリシーのインターフェース { $count } 個がゲートウェイに存在しません。何も適用していません
cli-apply-strict-no-links = --strict: ゲートウェイのインターフェースを一覧できません（{ $error }）。何も適用していません
cli-apply-no-links = ポリシーのインターフェースを確かめるためにゲートウェイのインターフェースを一覧できません: { $error }
cli-apply-failed = 適用に失敗しました。動作中のルールセットは変わっていません
cli-apply-applied = { $name } を適用しました: メッセージ { $messages }、要素 { $elements }、{ $ms } ms
cli-apply-verified = 読み戻して検証しました: { $checked }
cli-apply-shape-differs = カーネルから読み戻したテーブルがコンパイル結果の形と一致しません（差異 { $count } 件）:
cli-apply-and-more = ... ほか { $count } 件
cli-apply-unverified-kept = カーネルには { $name } のテーブルが適用されたまま、未検証で残っています（ロールバックはしていません）。`{ $drift }` ですべての差異を確認し、もう一度適用して置き換えてください
cli-apply-unreadable = テーブルを読み戻せなかったため、検証していません: { $error }
cli-apply-unreadable-kept = カーネルには { $name } のテーブルが適用されたまま残っています。`nft` が動くようになったら `{ $drift }` で確認してください
cli-apply-json-shape-differs = カーネルから読み戻したテーブルがコンパイル結果の形と一致しません（差異 { $count } 件）。カーネルには { $name } のテーブルが適用されたまま、未検証で残っています（ロールバックはしていません）
cli-apply-json-unreadable = テーブルを読み戻せなかったため、検証していません: { $error }。カーネルには { $name } のテーブルが適用されたまま残っています

## events

cli-events-since-or-time = { $error }。または RFC 3339 の時刻（2026-12-06T09:00:00+09:00）を指定してください
cli-events-unexpected-answer = デーモンから想定外の応答がありました（この sanso より古いデーモンではありませんか）
cli-events-pushed-out = 表示する前に { $count } 件のイベントがデーモンのリングバッファから押し出されました
cli-events-daemon-restarted = デーモンが再起動しました。イベントは最初から数え直されます
cli-events-nflog-reading = NFLOG グループ { $group }: 読み取り中。パケット { $packets }、欠落 { $lost }
cli-events-nflog-not-read = NFLOG グループ { $group }: 読み取れていません: { $error }
cli-events-nflog-not-yet = NFLOG グループ { $group }: まだ読み取っていません
cli-events-suppressed = 送信元ごとの上限により { $count } 件のイベントを省きました（メトリクスには計上しています）
cli-events-no-zone = ゾーンなし
cli-events-icmp-type = タイプ { $icmp_type }
cli-events-packets = パケット { $count }
cli-events-earlier-left-out = この送信元の以前のイベント { $count } 件を省略
cli-events-none = イベントはありません
cli-events-none-logged = イベントはありません（まだ記録がないか、--since 以降にありません）
cli-events-count = イベント { $count } 件（デーモンは直近 { $capacity } 件を保持します）
cli-events-external-beyond = external、その先は { $beyond }
cli-events-forbidden-crossing = 禁止された層間通信
cli-events-guardrail = ガードレール { $guardrail }
cli-events-source-counts = イベント { $events } 件、パケット { $packets }、{ $first } .. { $last }
cli-events-to = 宛先 { $targets }
cli-events-and-more = ほか { $count } 件

## audit verify

cli-audit-count-contradicts = --count { $count } は --head { $head } と矛盾します
cli-audit-unanchored = ヘッドファイル { $head_file } も --head もないため、チェーン内部の整合性だけを検査しました。末尾から削られたレコードや、最初から書き直されたログは検出できません
cli-audit-intact = 改ざんなし、レコード { $count } 件、ヘッド { $head }
cli-audit-broken = チェーンが壊れています: { $reason }
cli-audit-head-ok = 一致
cli-audit-head-mismatch = 不一致
cli-audit-not-checked = 検査していません: チェーンが壊れています（期待するヘッド { $head }）

## man pages

cli-man-creating = { $path } を作成中
cli-man-rendering = { $page } を生成中
cli-man-writing = { $path } に書き込み中
cli-man-wrote = man ページ { $count } 個を { $dir } に書き出しました

## daemon

cli-duration-invalid = { $text } は 120s、2m、1h のような時間ではありません
cli-duration-unit = { $text }: 単位は s、m、h のいずれかです
cli-duration-zero = 時間は 1s 以上にしてください
cli-daemon-ha-file-unreadable = HA ファイル { $path } を読めません
cli-daemon-ha-no-node = { $file }: ノード { $node } はありません（このファイルのノードは { $nodes }）
cli-daemon-ha-key-unreadable = HA 鍵ファイル { $path } を読めません
cli-daemon-ha-key-short = HA 鍵ファイル { $path } は { $bytes } バイトです。{ $min } バイト以上必要です（head -c 32 /dev/urandom > FILE）

## netlink-boot（issue 17）: sanso boot
cli-boot-next-text = 代わりに、最後に正常だったルールセットの nft テキストを読み込みます
cli-boot-next-fallback = 閉じたフォールバックを読み込みます
cli-boot-next-alone = ルールセットだけを読み込みます: 隔離していたものは隔離されていません
cli-boot-next-built-in = sanso に組み込まれた閉じたフォールバックを読み込みます
cli-boot-nothing-loaded = どのルールセットも読み込めませんでした。ゲートウェイは sanso でフィルタされていません（{ $reasons }）
cli-boot-isolations-unreadable = 隔離しているものを読めません: { $error }
cli-boot-does-not-compile = 保存されたポリシーはもうコンパイルできません: { $summary }; { $first }
cli-boot-kernel-refused = カーネルがバッチを拒否しました（何も変更されていません）: { $error }
cli-boot-loaded-netlink = 最後に正常だったポリシー { $policy } を netlink で読み込みました。{ $isolated }、{ $messages } 個のメッセージの 1 バッチです（コンパイル { $compile } ms、適用 { $apply } ms）
cli-boot-verified = 検証しました: テーブルはコンパイルしたとおりに読み戻せます（{ $checked }。読み戻し { $ms } ms）
cli-boot-reads-back-otherwise = 読み戻したテーブルがコンパイルしたものと違います（違い { $count } 件: { $problems }）
cli-boot-not-verified = 検証していません: テーブルを読み戻せません（{ $error }）。読み込んだテーブルはそのまま残ります
cli-boot-nothing-isolated = 隔離しているものはありません
cli-boot-isolated = 隔離中のアドレス範囲 { $ranges } 個を含みます
cli-boot-not-a-file = { $file } は通常のファイルではありません
cli-boot-no-text = 最後に正常だったルールセット { $file } はまだありません
cli-boot-loaded-text = 最後に正常だったルールセット { $file } を、{ $isolation } の隔離と一緒に読み込みました（nft -f、{ $ms } ms）
cli-boot-text-isolation-refused = nft が { $file } を { $isolation } と一緒には受け付けませんでした: { $error }
cli-boot-loaded-text-alone = 最後に正常だったルールセット { $file } を読み込みました（nft -f、{ $ms } ms）
cli-boot-isolation-lost = 隔離していたものは隔離されていません: 隔離がルールセットと一緒に読み込まれませんでした
cli-boot-text-refused = nft が { $file } を受け付けませんでした: { $error }
cli-boot-no-fallback-file = 閉じたフォールバック { $file } がありません
cli-boot-fallback-refused = 閉じたフォールバック { $file } を読み込めませんでした: { $error }
cli-boot-loaded-fallback = 閉じたフォールバック { $file } を読み込みました（何も転送しません）
cli-boot-loaded-built-in = sanso に組み込まれた閉じたフォールバックを読み込みました（何も転送しません）
cli-boot-then = { $reason }。{ $next }
cli-boot-record-not-saved = 起動時に読み込んだものを { $file } に保存できません（デーモンの start 記録に載りません）: { $error }
cli-boot-isolations-missing = { $file } がありませんが、{ $script } はアドレスを隔離しています（隔離の記録が失われています）
