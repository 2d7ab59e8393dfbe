## report のメッセージ（日本語）。ID は "report-" で始まり、en/report.ftl と同じ ID・同じ変数を持つ。

## 通信の端の扱い。$standing: mynumber, lgwan, internet, lgwan-backbone, the-internet, closed-line, self。

report-standing = { $standing ->
    [mynumber] 個人番号利用事務系
    [lgwan] LGWAN接続系
    [internet] インターネット接続系
    [lgwan-backbone] LGWAN (総合行政ネットワーク)
    [the-internet] インターネット
    [closed-line] 閉域網
   *[self] ゲートウェイ自身
}
report-standing-label = { $standing ->
    [mynumber] 個人番号利用事務系
    [lgwan] LGWAN接続系
    [internet] インターネット接続系
    [lgwan-backbone] LGWAN (総合行政ネットワーク)
    [the-internet] インターネット
    [closed-line] 閉域網
   *[self] ゲートウェイ自身
}
report-standing-short = { $standing ->
    [mynumber] 個人番号利用事務系
    [lgwan] LGWAN接続系
    [internet] インターネット接続系
    [lgwan-backbone] LGWAN（全国網）
    [the-internet] インターネット
    [closed-line] 閉域網
   *[self] ゲートウェイ自身 (self)
}
report-between = { $guardrail ->
    [5] { $from } → { $to }
    [7] { $from } → { $to }
    [8] { $from } → { $to }、1024 を超えるポート
   *[other] { $from } ↔ { $to }
}

## パケットの扱いを決めたもの（explain、test、verify）。

report-decided-flow = フロー { $flow }
report-decided-anti-spoof = なりすまし防止: 送信元 { $source } ({ $zone }) が { $interface } から届きました
report-decided-loopback = ループバック
report-decided-neighbour-discovery = IPv6 近隣探索
report-decided-multicast-listener = IPv6 マルチキャストリスナー探索 (MLD)
report-decided-link-local = 送信元 { $source } はどのゾーンにも属しません (IPv6 リンクローカル、未指定またはマルチキャスト)
report-decided-default-drop = 既定の破棄: { $from } → { $to } { $service } を許可するフローがありません
report-decided-expired = { $text } (期限切れ: { $flows })
report-no-zone = ゾーンなし
report-no-interface = インターフェースなし

## フローが三層分離の規則をどう越えるか。

report-exception-approval = 承認者 { $approved_by }、申請番号 { $ticket }
report-exception-approval-approved-on = 承認者 { $approved_by }、申請番号 { $ticket } (承認日 { $approved_on })
report-exception-approval-review-by = 承認者 { $approved_by }、申請番号 { $ticket } (見直し期限 { $review_by })
report-exception-approval-both = 承認者 { $approved_by }、申請番号 { $ticket } (承認日 { $approved_on }、見直し期限 { $review_by })
report-control-role-host = ホスト { $name } (役割 { $role }、提供するサービス { $serves })
report-control-security-cloud = ホスト { $name } (役割 security-cloud)
report-control-exception = { $approval } の例外
report-control-exception-bare = 例外
report-crossing-text = 規則{ $guardrail } ({ $between }): { $control }により満たします
report-same-tier = 同一層
report-no-guardrail-between = 該当する規則なし ({ $from } → { $to })
report-guardrail-title = { $guardrail ->
    [1] 個人番号利用事務系との接続 (例外と特定ホスト)
    [2] 個人番号利用事務系とインターネット
    [3] LGWAN接続系とインターネット接続系 (無害化・画面転送)
    [4] LGWAN接続系とインターネット
    [5] インターネット接続系とインターネット (セキュリティクラウド)
    [6] 外部と外部
    [7] インターネットからゲートウェイ自身
    [8] 層をまたぐ広いポート範囲
   *[other] 理由
}
report-control-word = { $control ->
    [screen-transfer] 画面転送
    [sanitizer] 無害化
    [security-cloud] セキュリティクラウド
   *[exception] 例外
}
report-control-exception-short = 例外 { $ticket } (承認者 { $approved_by })

## 報告の見出しと項目（HTML、Markdown、JSON）。

report-title = 監査報告
report-item = 項目
report-value = 内容
report-policy = ポリシー
report-name = 名前
report-revision = 版
report-content-hash = 内容のハッシュ (SHA-256)
report-generated-at = 作成日時 (日本標準時)
report-made-at = 作成日時
report-gateway = ゲートウェイ
report-size-label = 規模
report-size = ゾーン { $zones } / ホスト { $hosts } / 通信 { $flows } / 例外 { $exceptions }
report-deny-default = 既定は拒否です。この報告に載っている通信以外はすべて遮断され、記録されます (レート制限付き)。
report-md-deny-default = 既定は拒否です。下記の通信以外はすべて遮断され、記録されます (レート制限付き)。
report-diagram = 構成図
report-diagram-note = 帯が層、箱がゾーン、矢印が層をまたぐ通信とその統制です。
report-tier-matrix = 層の間の通信
report-tier-matrix-note = 行が通信元、列が通信先。○ 許可できる / △ 統制 (無害化、画面転送、セキュリティクラウド、例外) を通してのみ / × 決して許可されない。番号は規則、下段はこのポリシーの通信。
report-from-to = 通信元 \ 通信先
report-zone-matrix = ゾーン間の通信
report-zone-matrix-note = 行が通信元、列が通信先。新しい接続を許可する通信の名前、— は通信不可。
report-zones = ゾーン
report-zone = ゾーン
report-organisation = 組織
report-tier = 分類
report-beyond = 接続先の扱い
report-interfaces = インターフェース
report-networks = ネットワーク
report-hosts = ホスト一覧
report-host = ホスト
report-addresses = アドレス
report-roles = 役割
report-serves = 提供するサービス (serves)
report-flows = 許可された通信
report-flow = 名前
report-from = 通信元
report-to = 通信先
report-services = サービス
report-reason = 理由
report-crossing = 越える規則と統制
report-md-crossing = 越境の統制
report-conditions = 条件
report-line = 行
report-cond-log = 記録 (log)
report-cond-limit = 上限 { $limit }
report-cond-until = 期限 { $until }
report-cond-until-expired = 期限 { $until }、期限切れ
report-expired = 期限切れ
report-guardrails = 規則:
report-exceptions = 例外
report-none = なし
report-approved-by = 承認者
report-ticket = 申請番号
report-approved-on = 承認日
report-review-by = 見直し期限
report-waives = 免除する規則
report-overdue = 期限超過
report-not-counted = 例外の記載があっても規則を免除しないため数えていない通信: { $flows }。
report-windows = 委託の期間
report-windows-note = 期限 (`until`) のある通信、および理由に「委託」とある通信や委託先 (contractor) のホストとの通信。
report-time-bounded = 期限付きの通信 (委託等)
report-until = 期限
report-state = 状態
report-ends = { $until } (終了 { $time })
report-window-active = 有効
report-window-expired = 期限切れ (ルールセットにない)
report-window-missing-until = 期限 (`until`) がない
report-exposure = 外部からの到達経路
report-exposure-note = インターネットまたはインターネット接続系のアドレスから、通信を受けて先へ接続するホストを経由して、個人番号利用事務系または LGWAN接続系に届く、{ $max_hops } 本以下の通信の連鎖。全 { $total } 件。
report-no-control = 統制なし (同一層)
report-isolations = 緊急時対応: 隔離中
report-state-dir = 状態ディレクトリ: `{ $dir }` ({ $file })。
report-isolations-note = `sanso isolate` で遮断中の対象。両方向の新規・確立済みの通信をすべて遮断します。ただし対象からゲートウェイ自身への通信 (`self` への通信、管理) はポリシーのとおり許可されます。`sanso release` で隔離解除します。
report-target = 対象
report-kind = 種別
report-since = 開始
report-isolated-until = 解除予定
report-operator = 操作者
report-isolation-kind = { $kind ->
    [zone] ゾーン
    [host] ホスト
    [prefix] アドレス
   *[recovered] カーネルから復元
}
report-isolation-passed = { $until } (経過、デーモンが隔離解除します)
report-until-release = `sanso release` まで
report-sign-off = 確認
report-reviewed-by = 確認者
report-date = 日付
report-findings = 所見
report-zones-note = 外部ゾーンは、その先にあるもの (`beyond`) として三層分離の規則を適用します。
report-beyond-missing = 未指定: { $standing }として扱う
report-flows-note = 層をまたぐ通信は、それを可能にする統制 (無害化、画面転送、セキュリティクラウド、例外) と規則番号を示します。
report-exceptions-note = 例外の承認によって三層分離の規則を越える通信。承認者、申請番号、承認日、見直し期限と免除する規則を記録しています。
report-md-control = { $control ->
    [screen-transfer] 画面転送
    [sanitizer] 無害化
    [security-cloud] セキュリティクラウド
   *[exception] 例外
}
report-crosses-no-guardrail = 該当なし
report-md-tier = { $tier ->
    [mynumber] 個人番号利用事務系
    [lgwan] LGWAN接続系
    [internet] インターネット接続系
   *[external] 外部
} ({ $tier })
report-md-zone-matrix-note = 行が通信元、列が通信先。数字は許可された通信 (フロー) の数、— は通信不可。

## 稼働中のゲートウェイと監査ログ。

report-live = 稼働中のゲートウェイとの一致
report-live-table = 稼働中のテーブル
report-live-none = (なし)
report-live-matches = 承認されたポリシーと一致しています。
report-live-drift = 承認されたポリシーと一致しません (ドリフト):
report-live-differs = 承認されたポリシーと一致しません (差異 { $count } 件):
report-warning = 警告
report-counters-error = カウンタを読めません
report-hits = 通信ごとの利用数
report-packets = パケット
report-bytes = バイト
report-unused = 前回の適用以降、未使用
report-drops = ゾーンの組ごとの遮断数
report-pair = 通信元.通信先
report-history = 変更履歴
report-audit-log = 監査ログ
report-chain-intact = ハッシュチェーン正常 ({ $records } 件)
report-audit-altered = 改ざんされています
report-md-chain-intact = 監査ログ `{ $file }`: ハッシュチェーン正常、{ $records } 件、先頭 `{ $head }`。
report-md-chain-altered = 監査ログ `{ $file }` は改ざんされています: { $at }。
report-time = 日時
report-event = 事象
report-flow-changes = 通信の差分
report-not-archived = アーカイブに版がないため差分を示せません。
report-no-flow-changed = 通信の変更なし
report-change-kind = { $kind ->
    [added] 追加
    [removed] 削除
   *[changed] 変更
}

## エラー。

report-cannot-read = { $path } を読めません
report-cannot-write = { $path } に書き込めません
report-cannot-compute-expected = ポリシーのルールセットをカーネルでの形に変換できません
report-cannot-read-live = 稼働中のテーブルを読めません
