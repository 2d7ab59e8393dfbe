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
