## `sanso --help` / `-h` の日本語（sanso/src/help.rs が clap のコマンドに入れる）。
##
## 英語はこのファイルになく、clap derive のドキュメントコメントそのもの（英語の原文）。
## そのため help 領域だけは ja/ にしかなく、英語との ID 比較と「使われていない ID」の
## 検査からは外す（sanso-i18n/tests/catalogue.rs）。代わりに sanso の help.rs のテストが、
## 英語のヘルプがあるのに日本語がない項目と、どこにも当たらない ID を拒否する。
##
## ID の付け方（clap のコマンドツリーの位置から）:
##   help-sanso                       ルートの about（-h）
##   help-sanso-long                  ルートの long_about（--help）
##   help-sanso-arg-ARG               ルートの引数の help（グローバル引数 --lang もここ）
##   help-CMD / help-CMD-long         サブコマンドの about / long_about
##   help-CMD-SUB                     入れ子のサブコマンド（help-ha-check、help-audit-verify）
##   help-CMD-arg-ARG / …-long        引数の help / long_help。ARG は clap の引数 ID で
##                                    「_」を「-」に、末尾の「_」は落とす（for_ → for）
##   help-clap-…                      clap 自身の文（--help、--version、help サブコマンド）と
##                                    見出し（使い方、コマンド、引数、オプション）
## -long は英語に long_about / long_help（2 段落以上のドキュメントコメント）があるときだけ。
## 短い方は clap と同じく文末の句点を付けない。
## オプション名、値（ja|en）、ファイル名、例はそのまま。

## clap 自身の文と見出し

help-clap-help = ヘルプを表示します
help-clap-help-more = ヘルプを表示します（詳しくは '--help'）
help-clap-help-summary = ヘルプを表示します（要約は '-h'）
help-clap-version = バージョンを表示します
help-clap-help-command = このメッセージ、または指定したサブコマンドのヘルプを表示します
help-clap-help-command-arg = ヘルプを表示するサブコマンド
help-clap-usage = 使い方
help-clap-commands = コマンド
help-clap-arguments = 引数
help-clap-options = オプション

## sanso

help-sanso = sanso（三層）: 日本の地方公共団体の三層の対策（ネットワーク分離）を Linux ゲートウェイ上で nftables により実施します
help-sanso-long =
    sanso（三層）: 日本の地方公共団体の三層の対策（ネットワーク分離）を Linux ゲートウェイ上で nftables により実施します。

    ゾーンを個人番号利用事務系（mynumber）、LGWAN接続系（lgwan）、インターネット接続系（internet）に分類します。
    三層の対策に反するポリシーは拒否し、許可リストを 1 つのアトミックな nftables ルールセットにコンパイルします。
help-sanso-arg-lang = すべてのメッセージとレポートの言語: ja（日本語）または en。既定はロケールから決まり、LC_ALL、LC_MESSAGES、LANG のうち最初に設定されているものが `ja` で始まれば日本語です

## check

help-check = ポリシーファイルを検証します: 構文、名前、アドレス、三層分離のガードレール
help-check-long =
    ポリシーファイルを検証します: 構文、名前、アドレス、三層分離のガードレール。

    ポリシーが正しければ終了ステータス 0、正しくなければ 1 で、すべての診断（それぞれファイル、行、列と、問題のあるゾーン・ホスト・フロー）を表示します。
    `--deny-warnings` を付けると、正しくても警告のあるポリシーは 1 で終了します（警告を通してはならない CI パイプライン向け）。
    `--json` を付けると、代わりに JSON オブジェクトを 1 つ標準出力に出します。終了ステータスは同じです。
help-check-arg-policy = ポリシーファイル（TOML）
help-check-arg-deny-warnings = ポリシーに警告があるときも 1 で終了します
help-check-arg-json = JSON オブジェクトを 1 つ出力します: 正しいかどうかと、すべての診断（docs/json.md）

## compile

help-compile = ポリシーを 1 つの `table inet sanso` の nftables スクリプト（`nft -f` 用）にコンパイルします
help-compile-long =
    ポリシーを 1 つの `table inet sanso` の nftables スクリプト（`nft -f` 用）にコンパイルします。

    `until`（期限）を過ぎたフローは含めません。それ以外のフローは、再コンパイルしなくても期限の時刻にカーネル内で一致しなくなります。
help-compile-arg-policy = ポリシーファイル（TOML）
help-compile-arg-output = スクリプトを標準出力ではなくこのファイルに書きます
help-compile-arg-now = 期限切れを現在ではなくこの時刻で判定します（YYYY-MM-DD または RFC 3339）

## explain

help-explain = ポリシーが 1 つのパケットをどう扱うかを説明します: 両端のゾーンとその扱い、判定、判定を決めたフローまたは検査、許可されるパケットでは、フローがまたぐガードレールとそれを満たすもの（無害化サーバや画面転送のホスト、自治体情報セキュリティクラウドのホスト、例外）
help-explain-long =
    ポリシーが 1 つのパケットをどう扱うかを説明します: 両端のゾーンとその扱い、判定、判定を決めたフローまたは検査、許可されるパケットでは、フローがまたぐガードレールとそれを満たすもの（無害化サーバや画面転送のホスト、自治体情報セキュリティクラウドのホスト、例外）。

    `--from` はアドレス、ホスト名、または `self`（ゲートウェイが送信する）、`--to` はアドレス、ホスト名、または `self`（ゲートウェイが受信する）です。
    ホスト名はその最初の IPv4 アドレス（なければ最初のアドレス）を表します。

    `sanso isolate` で隔離したものはデーモンの状態ディレクトリ（`isolations.json`。なければ何も隔離されていません）から読みます。
    隔離されたアドレスとの間のパケットは `isolated`（破棄）となり、その隔離を示します。
    ただし、隔離されたアドレスがゲートウェイ自身に開く接続は、ポリシーの `self` へのフローがそのまま判定します（管理用の接続は開いたままです）。
help-explain-arg-policy = ポリシーファイル（TOML）
help-explain-arg-from = 送信元のアドレス、ホスト名、または `self`
help-explain-arg-to = 宛先のアドレス、ホスト名、または `self`
help-explain-arg-proto = tcp、udp、icmp または icmpv6
help-explain-arg-port = 宛先ポート（tcp/udp）、または ICMP タイプの名前か番号（icmp/icmpv6）
help-explain-arg-iif = パケットが届くインターフェース（既定: 送信元が分類されるゾーンのインターフェース）。なりすまし対策を試します
help-explain-arg-at = `until`（期限）を現在ではなくこの時刻で判定します（YYYY-MM-DD または RFC 3339）
help-explain-arg-json = JSON オブジェクトを 1 つ出力します
help-explain-arg-state-dir = 隔離されているもの（isolations.json）を読むデーモンの状態ディレクトリ。既定は /var/lib/sanso で、読めないとき（root の所有です）は警告を出して省きます

## test

help-test = パケット経路のテストケースをポリシーに対して実行し、各テストケースの `expect` と比べます
help-test-long =
    パケット経路のテストケースをポリシーに対して実行し、各テストケースの `expect` と比べます。

    各テストケースはユーザ空間の分類器を通ります。`--kernel` を付けると実際のカーネルも通ります: コンパイルしたルールセットを、すべての破棄を判定に数えるため各フローの `limit` を外して、ポリシーから作ったゲートウェイのネットワーク名前空間（その背後にゾーンのインターフェースごとに 1 つの名前空間）に読み込み、テストケースごとに実際のパケットを送ります。
    表（テストケース、期待、結果、判定したもの）を表示し、すべてのエンジンがすべてのテストケースの `expect` と一致したときだけ 0 で終了します。
help-test-arg-policy = ポリシーファイル（TOML）
help-test-arg-cases = テストケースのファイル（TOML、`[[cases]]`）
help-test-arg-kernel = 実際のパケットをカーネルにも通します（root: 使い捨てのネットワーク名前空間を作成・削除します）
help-test-arg-json = 表の代わりに JSON オブジェクトを 1 つ出力します
help-test-arg-now = `until`（期限）を現在ではなくこの時刻で判定します（YYYY-MM-DD または RFC 3339）。`--kernel` とは併用できません: カーネルは自分の時計で `until` を判定します
help-test-arg-drop-wait-ms = `--kernel` のとき: パケットを破棄とみなすまでの待ち時間（ミリ秒）

## verify

help-verify = N 個のランダムなパケットを 3 つのエンジンに通し、食い違いをすべて報告します
help-verify-long =
    N 個のランダムなパケットを 3 つのエンジンに通し、食い違いをすべて報告します。

    パケットはシードから作り、ポリシーの境界に寄せます: プレフィックスの境界、各サービスのポート範囲の最初と最後のポートとその隣、すべてのゾーンの組、すべてのプロトコル、両方のアドレスファミリ、なりすました送信元。
    各パケットは、ポリシーの意味（ポリシーをそのまま先頭一致で評価する素朴な評価器）、コンパイルした IR に対するユーザ空間の分類器、使い捨てのネットワーク名前空間にコンパイルしたルールセットを読み込んだカーネル（root。すべての破棄を判定に数えるため各フローの `limit` は外します）で判定します。
    食い違いはどれもバグで、そのまま貼り付けられるテストケースとして表示します。食い違いがないときだけ終了ステータス 0 です。
help-verify-arg-policy = ポリシーファイル（TOML）
help-verify-arg-random = ランダムなパケットの数
help-verify-arg-seed = シード（同じシードなら同じパケット）。既定: 時計から
help-verify-arg-userspace-only = ポリシーの意味とユーザ空間の分類器だけを比べます（root 不要）
help-verify-arg-drop-wait-ms = パケットを破棄とみなすまでの待ち時間（ミリ秒）
help-verify-arg-json = JSON オブジェクトを 1 つ出力します

## plan

help-plan = ポリシーを適用すると何が変わるかを、何も変えずに表示します
help-plan-long =
    ポリシーを適用すると何が変わるかを、何も変えずに表示します。

    `--against OLD` のとき: ポリシーファイル OLD からの意味上の変更（追加・削除・変更されたフロー、到達可能・不可能になるゾーンの組とサービス）と、ルールセットのテキストの差分。
    `--live` のとき: 実行中の `table inet sanso`（カーネルから読みます）と、ポリシーをコンパイルしたルールセットとの差異（root）。

    終了ステータスは diff(1) と同じく、何も変わらなければ 0、変わるものがあれば 2、エラーは 1 です。
help-plan-arg-policy = 適用するポリシーファイル（TOML）
help-plan-arg-against = このポリシーファイル（今適用されているもの）と比べます
help-plan-arg-live = カーネルで動いているテーブルと比べます
help-plan-arg-netns = --live のとき: このネットワーク名前空間（`ip netns` の名前）のテーブルを読みます
help-plan-arg-now = 期限切れを現在ではなくこの時刻で判定します（YYYY-MM-DD または RFC 3339）
help-plan-arg-json = JSON オブジェクトを 1 つ出力します

## diff

help-diff = 2 つのポリシーのリビジョンの差異を表示します: 追加・削除・変更されたフロー（とその項目）、ゾーン、到達可能・不可能になるゾーンの組とサービス
help-diff-long =
    2 つのポリシーのリビジョンの差異を表示します: 追加・削除・変更されたフロー（とその項目）、ゾーン、到達可能・不可能になるゾーンの組とサービス。

    OLD と NEW はそれぞれ、デーモンが適用して状態ディレクトリに保管したポリシーのコンテンツハッシュかその先頭部分（16 進 8 桁以上。監査記録や `sanso status` が示すもの）、またはポリシーファイルです。
    保管されたポリシーは、まずハッシュと照合します。

    終了ステータスは diff(1) と同じく、差異がなければ 0、あれば 2、エラーは 1 です。
help-diff-arg-old = 古いリビジョン: コンテンツハッシュ（の先頭部分）またはポリシーファイル
help-diff-arg-new = 新しいリビジョン: コンテンツハッシュ（の先頭部分）またはポリシーファイル
help-diff-arg-list = 保管されたリビジョンを最初に適用された順に一覧して終了します
help-diff-arg-state-dir = 保管庫のあるデーモンの状態ディレクトリ
help-diff-arg-ruleset = 差異のある行数だけでなく、コンパイルした 2 つのルールセット（nft テキスト）の unified diff を表示します
help-diff-arg-now = （到達可能性のための）期限切れを現在ではなくこの時刻で判定します（YYYY-MM-DD または RFC 3339）
help-diff-arg-json = JSON オブジェクトを 1 つ出力します

## drift

help-drift = カーネルで動いている `table inet sanso` を、ポリシーをコンパイルしたものと比べます
help-drift-long =
    カーネルで動いている `table inet sanso` を、ポリシーをコンパイルしたものと比べます。

    差異（ドリフト）をすべて報告し（手で追加されたルール、削除された要素、テーブルがないこと、すべてのフィルタを止める `dormant` などのテーブルフラグ）、同じフックにある他のテーブルのベースチェーンについて警告します。それらは sanso が破棄するものを許可しうるためです。root が必要です。

    終了ステータス: カーネルのテーブルが一致すれば 0、ドリフトがあれば（フラグを含む）2、エラーは 1 です。
help-drift-arg-policy = 承認されたポリシーファイル（TOML）
help-drift-arg-netns = このネットワーク名前空間（`ip netns` の名前）のテーブルを読みます
help-drift-arg-json = JSON オブジェクトを 1 つ出力します
help-drift-arg-state-dir = デーモンの状態ディレクトリ: 隔離されているもの（isolations.json）が隔離用のセットにあることを期待します。既定は /var/lib/sanso

## report

help-report = ポリシーの監査報告を Markdown で、日本語と英語で書きます
help-report-long =
    ポリシーの監査報告を Markdown で、日本語と英語で書きます。

    内容: ゾーンとその層、各外部ゾーンの扱い（`beyond`）と組織、ゾーンの行列（どのゾーンからどのゾーンへ接続を開けるか）、許可されたすべてのフローとその理由、層をまたぐことを可能にするもの（無害化サーバや画面転送のホスト、自治体情報セキュリティクラウドのホスト、例外）、ガードレールを免除するすべての例外とその承認と見直し期限、期限付きのフロー（委託）、`sanso isolate` で今隔離しているもの（緊急時対応、デーモンの状態ディレクトリから）。
    必要に応じて、デーモンの監査ログからの変更履歴（ハッシュチェーンを検査し、誰が、どの申請番号で、なぜ変更したか）と、カーネルで動いているゲートウェイがポリシーと一致するか（root）も含めます。

    終了ステータスは 0 です。`--audit` や `--live` が問題（壊れたチェーン、ドリフトしたテーブル）を見つけたときは 2 となり、定期的な自己点検で警報を出せます。
help-report-arg-policy = 承認されたポリシーファイル（TOML）
help-report-arg-audit = この監査ログ（audit.jsonl）からの変更履歴を含め、そのチェーンを検査します
help-report-arg-live = カーネルで動いている `table inet sanso` と比べます（root）
help-report-arg-netns = --live のとき: 読むネットワーク名前空間（`ip netns` の名前）
help-report-arg-state-dir = 隔離されているもの（isolations.json。なければ何も隔離されていません）を読むデーモンの状態ディレクトリ。既定は /var/lib/sanso で、読めないとき（root の所有です）は警告を出して省きます
help-report-arg-now = 報告を作成する時刻（YYYY-MM-DD または RFC 3339）。既定は現在
help-report-arg-output = 報告を標準出力ではなくこのファイルに書きます
help-report-arg-format = 形式: html（-o のときの既定。ファイル名が .md か .json で終わるときを除く）、md（標準出力のときの既定）または json

## apply

help-apply = ポリシーを適用します: `table inet sanso` を 1 つのアトミックな netlink バッチで置き換えます
help-apply-long =
    ポリシーを適用します: `table inet sanso` を 1 つのアトミックな netlink バッチで置き換えます。

    `--confirm DURATION` を付けると、実行中のデーモンが代わりに適用し、時間内に `sanso confirm` が来なければ直前のルールセットにロールバックします。
    タイマーはデーモンにあるので、SSH セッションが切れてもロールバックされます。
    このときデーモンの監査ログに、誰が適用したかと `--ticket`、`--reason` が記録されます。
help-apply-arg-policy = ポリシーファイル（TOML）
help-apply-arg-netns = このネットワーク名前空間（`ip netns` の名前）の中で適用します
help-apply-arg-confirm = デーモンを通して適用し、この時間内に確定されなければロールバックします（例: 120s、5m）
help-apply-arg-strict = ポリシーが名前を挙げるインターフェースがゲートウェイにないときは適用を拒否します（付けないとき: それぞれ警告）
help-apply-arg-ticket = この作業の申請番号（監査ログに記録。64 文字まで）
help-apply-arg-reason = この作業の理由（監査ログに記録。1 行、500 文字まで）
help-apply-arg-socket = デーモンの制御ソケット: --confirm のときは適用するデーモン。付けないときは、ここにいて同じ名前空間を管理しているデーモンがあれば `apply` を拒否します（テーブルの持ち主は 1 つです）
help-apply-arg-json = JSON オブジェクトを 1 つ出力します: 適用して確認した内容、または --confirm のときはデーモンの応答（docs/json.md）

## daemon

help-daemon = デーモンを実行します: ポリシーを今、SIGHUP で、ファイルが変わったときに適用します。新しいポリシーが失敗したら動いているルールセットを保ちます。制御ソケットで `sanso status`、`reload`、`apply --confirm`、`confirm` に応じます。ドリフト、フローの期限、近隣テーブルを監視し、監査ログを書きます
help-daemon-long =
    デーモンを実行します: ポリシーを今、SIGHUP で、ファイルが変わったときに適用します。
    新しいポリシーが失敗したら動いているルールセットを保ちます。
    制御ソケットで `sanso status`、`reload`、`apply --confirm`、`confirm` に応じます。
    ドリフト、フローの期限、近隣テーブルを監視し、監査ログを書きます。

    デーモンが停止しても異常終了しても、ルールセットはカーネルに残ります。
help-daemon-arg-policy = ポリシーファイル（TOML）
help-daemon-arg-netns = 現在のネットワーク名前空間ではなく、このネットワーク名前空間（`ip netns` の名前）の中で実施します
help-daemon-arg-state-dir = 監査ログ（audit.jsonl）と最後に正常だったルールセット（last-good.nft）を置く場所
help-daemon-arg-socket = 制御ソケット（root のみ、モード 0600）
help-daemon-arg-metrics = このループバックアドレスで Prometheus のメトリクスを提供します（例: 127.0.0.1:9763）
help-daemon-arg-metrics-flow-series = ポリシーのフローのカウンタが N 個以下のときだけ、フローごとの系列（sanso_flow_accepted_packets_total{"{"}flow{"}"}）を出します。それを超えると 1 つも出さず、sanso_flow_series_omitted がその数を示します（0: 出さない）
help-daemon-arg-drift-interval = カーネルで動いているテーブルを適用したものと比べる間隔（例: 30s、5m）
help-daemon-arg-drift-full-every = ルールセットの世代が変わっていなくても、ドリフトの確認 N 回ごとにカーネルのテーブルを読み戻して比べます。それ以外の確認では世代だけを読みます
help-daemon-arg-on-drift = ドリフトしたときの動作: report（ログ、計数、監査）または restore（さらに再適用）
help-daemon-arg-neighbour-interval = 未知のホストを探して近隣テーブルを読む間隔
help-daemon-arg-watch-interval = ポリシーファイルの変更を確かめる間隔
help-daemon-arg-audit-syslog = 監査ログの先頭（head）を記録ごとにこの syslog 収集サーバにも送ります（UDP、RFC 5424、例: 192.0.2.10:514）。ゲートウェイの外に置く控えです
help-daemon-arg-ha = このファイルが記述する HA ペアの 1 ノードとして動きます（`sanso ha` を参照）: 適用したポリシーを相手に知らせ、status にペアを表示します
help-daemon-arg-node = HA ファイルでのこのノードの名前
help-daemon-arg-log-format = ログ行をテキスト（key=value）で、または 1 行に 1 つの JSON オブジェクトで出します
help-daemon-arg-alert-command = 禁止された越境のたびに（送信元ごとに回数を制限して）このプログラムを実行し、イベントを 1 行の JSON として標準入力に渡します。10 秒で強制終了します

## status

help-status = デーモンの状態を表示します: 適用されたポリシー（リビジョン、コンテンツハッシュ、日時）、保留中の `apply --confirm`、ドリフト、イベントの件数
help-status-arg-socket = デーモンの制御ソケット
help-status-arg-json = 状態を JSON で出力します

## events

help-events = デーモンの最近のイベントを、ゾーンの組と送信元ごとにまとめて表示します: 禁止された越境（個人番号利用事務系または LGWAN接続系からインターネットへ、中継）、なりすました送信元、隔離されたホスト、既定の破棄、ログ付きの許可
help-events-long =
    デーモンの最近のイベントを、ゾーンの組と送信元ごとにまとめて表示します: 禁止された越境（個人番号利用事務系または LGWAN接続系からインターネットへ、中継）、なりすました送信元、隔離されたホスト、既定の破棄、ログ付きの許可。

    デーモンはメモリに直近 4096 件のイベントを保ちます。すべてはジャーナルにあります（`journalctl -u sanso`）。
help-events-arg-follow = 新しいイベントを来るたびに 1 行ずつ表示し続けます（Ctrl-C で止まります）
help-events-arg-json = JSON を出力します（docs/json.md）: デーモンの応答全体、または --follow のときは 1 行に 1 イベント
help-events-arg-since = この時間前（30s、10m、2h）またはこの時刻（RFC 3339、例: 2026-12-06T09:00:00+09:00）以降のイベントだけ
help-events-arg-socket = デーモンの制御ソケット

## reload

help-reload = デーモンのポリシーファイルを今（SIGHUP と同じく）再読み込みし、結果を報告します。失敗したポリシーでは動いているルールセットがそのまま残ります（終了ステータス 1）
help-reload-arg-ticket = この作業の申請番号（監査ログに記録。64 文字まで）
help-reload-arg-reason = この作業の理由（監査ログに記録。1 行、500 文字まで）
help-reload-arg-socket = デーモンの制御ソケット
help-reload-arg-json = デーモンの応答を JSON オブジェクト 1 つで出力します（docs/json.md）

## confirm

help-confirm = 保留中の `sanso apply POLICY --confirm DURATION` を確定し、デーモンがロールバックしないようにします
help-confirm-arg-ticket = この作業の申請番号（監査ログに記録。64 文字まで）
help-confirm-arg-reason = この作業の理由（監査ログに記録。1 行、500 文字まで）
help-confirm-arg-socket = デーモンの制御ソケット
help-confirm-arg-json = デーモンの応答を JSON オブジェクト 1 つで出力します（docs/json.md）

## isolate, release, isolations

help-isolate = ゾーン、ホスト、アドレス、プレフィックスを、両方向とも開いている接続も含めて直ちに隔離します。`sanso release`（または `--for`）まで続きます
help-isolate-long =
    ゾーン、ホスト、アドレス、プレフィックスを、両方向とも開いている接続も含めて直ちに隔離します。`sanso release`（または `--for`）まで続きます。

    デーモンは各 TARGET を実行中のポリシーで解決し、動いているテーブルの隔離用のセットに読み込みます（要素の更新です: ポリシー、そのカウンタ、他の接続はそのままです）。
    ゲートウェイ自身の管理（ポリシーの `self` へのフロー）は開いたままです。
    隔離は再読み込み、ドリフトからの復元、デーモンの再起動、OS の再起動を越えて続き、誰がなぜ求めたかとともに監査されます。
help-isolate-arg-targets = ゾーン、ホスト（名前で）、アドレス、プレフィックス
help-isolate-arg-ticket = この作業の申請番号（監査ログに記録。64 文字まで）
help-isolate-arg-reason = この作業の理由（監査ログに記録。1 行、500 文字まで）
help-isolate-arg-for = この時間が過ぎたら自動で隔離解除します（例: 30m、4h）
help-isolate-arg-socket = デーモンの制御ソケット
help-isolate-arg-json = デーモンの応答を JSON オブジェクト 1 つで出力します（docs/json.md）
help-release = 隔離した対象を隔離解除します（`sanso isolate` に指定した名前で。`all` ですべて解除します）
help-release-arg-ticket = この作業の申請番号（監査ログに記録。64 文字まで）
help-release-arg-reason = この作業の理由（監査ログに記録。1 行、500 文字まで）
help-release-arg-socket = デーモンの制御ソケット
help-release-arg-json = デーモンの応答を JSON オブジェクト 1 つで出力します（docs/json.md）
help-isolations = 今隔離されているもの: 対象、アドレス、開始日時、終了日時、誰が、なぜ
help-isolations-arg-json = JSON の配列を出力します（docs/json.md）
help-isolations-arg-socket = デーモンの制御ソケット

## audit

help-audit = デーモンの監査ログ（状態ディレクトリの audit.jsonl）を扱います
help-audit-verify = ハッシュチェーンを検証し、その終わりをログの隣の head ファイル（audit.head）と --head に照らして確かめます
help-audit-verify-long =
    ハッシュチェーンを検証し、その終わりをログの隣の head ファイル（audit.head）と --head に照らして確かめます。

    チェーンが壊れておらず head ファイルの head で終わる（かつ --head と同じかそれより後で終わる）ときは 0、記録が変更・削除・並べ替えされているか厳密な JSON でないとき、またはログが head の示す所で終わっていないときは 2、検査できないときは 1 で終了します。
    head ファイルも --head もないときは、チェーンの内部の整合性だけを検査します: 末尾から削られた記録は検出できません。
help-audit-verify-arg-file = 監査ログ（例: /var/lib/sanso/audit.jsonl）
help-audit-verify-arg-head = 別の場所に控えた head（例: ジャーナルの `audit_head=COUNT:HASH`）: 記録のハッシュ、または COUNT:HASH。ログの最後の記録でなければなりません。それより前の記録のときは、ログがその後に続いていることを示したうえで受け入れます
help-audit-verify-arg-count = --head の記録数（--head COUNT:HASH と同じ）
help-audit-verify-arg-json = テキストの代わりに JSON オブジェクトを 1 つ出力します

## ha

help-ha = 高可用性: keepalived（VRRP）と conntrackd（FTFW）による現用・待機のペア。ポリシーの隣の HA ファイルで記述します
help-ha-check = HA ファイルを検証します。問題があればすべて（file:line:col と、問題のあるノードまたは項目）を示して 1 で終了します
help-ha-check-arg-ha-file = HA ファイル（TOML）。例: /etc/sanso/ha.toml
help-ha-render = 1 つのノードの DIR/keepalived.conf と DIR/conntrackd.conf を書きます
help-ha-render-arg-ha-file = HA ファイル（TOML）。例: /etc/sanso/ha.toml
help-ha-render-arg-node = ファイルを書き出すノード（ファイルの [nodes.NAME] の 1 つ）
help-ha-render-arg-output = 書き込むディレクトリ（なければ作成します）
help-ha-render-arg-sanso = keepalived が状態遷移のときに呼ぶ sanso の実行ファイル
help-ha-render-arg-state-dir = デーモンの状態ディレクトリ（役割を記録する場所）
help-ha-render-arg-conntrackd-config = conntrackd.conf を置く場所（notify がそれを conntrackd -C に渡します）
help-ha-render-arg-conntrackd-socket = conntrackd の制御ソケット
help-ha-render-arg-conntrackd-lock = conntrackd のロックファイル
help-ha-notify = 同期グループの状態遷移のときに keepalived が呼びます: デーモンのために役割を記録し（`sanso status`）、conntrackd の遷移コマンドを実行します（master: 外部キャッシュのコミット、フラッシュ、再同期、一括送信。backup: カーネルのタイマーを短くしてから再同期を要求。fault: タイマーを短くする）。常に 0 で終了します: keepalived は失敗に対して何もできないため、失敗は記録してログに出します
help-ha-notify-arg-state-dir = デーモンの状態ディレクトリ
help-ha-notify-arg-conntrackd-config = conntrackd の設定（その制御ソケットはここから分かります）
help-ha-notify-arg-conntrackd = conntrackd の実行ファイル
help-ha-relay = 各ノードで keepalived と並んで動きます: ペアの VRRP インスタンスのいずれかでマスターである相手がそれを辞退したとき（優先度 0 のアドバタイズメント。相手がリンクを失うか停止したときに keepalived が送ります）、その辞退をこのノードの他のリンクのインスタンスに直ちに伝えます。これにより同期グループは、相手が失ったリンクでアドバタイズメント間隔 3 回分を待たずに、スキュー時間（約 0.6 秒）の後に引き継ぎます。CAP_NET_RAW が必要です
help-ha-relay-arg-ha-file = HA ファイル（TOML）。例: /etc/sanso/ha.toml
help-ha-relay-arg-node = このノード（ファイルの [nodes.NAME] の 1 つ）

## bench（開発者向け、feature "bench"）

help-bench = 検索、コンパイル、（--kernel のとき）カーネルの破棄経路のコストを測ります
help-bench-long =
    検索、コンパイル、（--kernel のとき）カーネルの破棄経路のコストを測ります。

    ユーザ空間: シードで固定したトレースに対する分類器の 1 回の検索あたりの中央値（ns）。1 回に 1 パケットとバッチの両方で測り、同じトレースで線形の先頭一致の参照実装も測ります。
    コンパイル: 読み込み + 変換 + 出力。
    カーネル（root）: 使い捨てのゲートウェイ名前空間で、コンパイルしたルールセット、空のルールセット、フローごとに 1 ルールのルールセットを交互に使い、破棄されるパケット 1 つあたりのコストをラウンドの中央値で測ります。
    続いて、フローが許可する確立済み接続のパケット 1 つあたりのコスト（接続マークのない構成、conntrack だけのテーブルと比べて）と、なりすましの大量送信のコスト（conntrack の後のなりすまし対策、空のテーブル、conntrack だけのテーブルと比べて）、フローが許可する TCP ストリーム 1 本のスループット（conntrack だけのテーブル、ルールセットなしと比べて）を測ります。
help-bench-arg-policy = ポリシーファイル（TOML）。または --synthetic を使います
help-bench-arg-synthetic = ファイルの代わりに、シードから作った合成ポリシーを測ります
help-bench-arg-flows = 合成ポリシーのフローの数
help-bench-arg-seed = 合成ポリシーのシード
help-bench-arg-kernel = 使い捨ての名前空間でカーネルの破棄経路も測ります（root）
help-bench-arg-kernel-rounds = カーネルの測定のルールセットごとのラウンド数
help-bench-arg-kernel-blast-ms = カーネルの各ラウンドで送り続けるミリ秒（30 ms のウォームアップの後）
help-bench-arg-json = テキストの代わりに JSON オブジェクトを 1 つ出力します
help-bench-arg-now = 期限切れを現在ではなくこの時刻で判定します（YYYY-MM-DD または RFC 3339）
help-bench-arg-save-policy = 合成ポリシーの TOML をこのファイルに書き（読むため、または名前空間で `sanso apply` するため）、測らずに終了します

## completions, man

help-completions = シェルの補完スクリプトを出力します（bash、zsh、fish、elvish、powershell）
help-completions-long =
    シェルの補完スクリプトを出力します（bash、zsh、fish、elvish、powershell）。

    bash: `sanso completions bash > /etc/bash_completion.d/sanso`。
    zsh: `$fpath` のディレクトリに `_sanso` として置きます。
    fish: `~/.config/fish/completions/sanso.fish`。
    Debian パッケージは bash、zsh、fish のスクリプトをインストールします。
help-completions-arg-shell = シェル
help-man = man ページ（roff）をディレクトリに書きます: sanso.8 と、サブコマンドごとの sanso-<command>.8。パッケージ作成者向けです（`scripts/dev deb`）。man ページは英語のままです
help-man-arg-out = 書き込むディレクトリ（なければ作成します）

## boot（netlink-boot、issue 17）

help-boot = 起動時に最後に正常だったルールセットを読み込みます: netlink で、できなければその nft テキストで、それもできなければ閉じたフォールバックで
help-boot-long =
    起動時に最後に正常だったルールセットを読み込みます: netlink で、できなければその nft テキストで、それもできなければ閉じたフォールバックで。

    デーモンの状態ディレクトリを読みます: 最後に正常だったルールセットと一緒に保存されたポリシー（last-good.json）を現在の時刻でコンパイルし、isolations.json が隔離しているものと一緒に 1 つの netlink バッチで適用し、読み戻して確かめます。それができないとき（last-good.json がないか組が合わない、ポリシーがもうコンパイルできない、カーネルがバッチを拒否した、読み戻したテーブルが違う）は、`nft -f` で last-good.nft を isolation.nft と 1 つのトランザクションで読み込み（だめなら last-good.nft だけ）、それも失敗したら閉じたフォールバックのルールセットを読み込みます。どれを読み込んだかと理由を表示します。終了コードが 1 になるのは何も読み込めなかったときだけです。
help-boot-arg-state-dir = デーモンの状態ディレクトリ（last-good.nft、last-good.json、isolations.json、isolation.nft）
help-boot-arg-fallback = 閉じたフォールバックのルールセット（nft テキスト）。ないか nft が受け付けないときは、sanso に組み込まれたものを読み込みます
help-boot-arg-netns = このネットワーク名前空間（`ip netns` の名前）の中で読み込みます
help-boot-arg-json = JSON オブジェクトを 1 つ出力します: 何をなぜ読み込んだか、各段階にかかった時間（docs/json.md）
