## guardrail のメッセージ（日本語）。ID は "guardrail-" で始まり、en/guardrail.ftl と同じ ID・同じ変数を持つ。


## フローの端が何に当たるか（$standing: mynumber, lgwan, internet-tier,
## lgwan-backbone, the-internet, closed-line, gateway）。
guardrail-standing = { $standing ->
    [mynumber] 個人番号利用事務系
    [lgwan] LGWAN接続系
    [internet-tier] インターネット接続系
    [lgwan-backbone] LGWAN（全国網）
    [the-internet] インターネット
    [closed-line] 閉域網
   *[gateway] ゲートウェイ
}

## 診断での端の呼び方（$tier: ポリシーから読んだゾーンの層）。
guardrail-end-gateway = self（ゲートウェイ）
guardrail-end-host = ホスト { $host }（ゾーン { $zone }、{ $tier }）
guardrail-end-zone = ゾーン { $zone }（{ $tier }）

## 拒否した端の組: 組と、何が問題か。
guardrail-refused = { $from } -> { $to }: { $message }
guardrail-label-source = 送信元
guardrail-label-destination = 宛先
guardrail-fix = 対処: { $fix }
## 対処を二つつなぐ。
guardrail-fix-separator = 。
guardrail-fix-or-exception = { $fix }。または、承認された例外を追加してください
guardrail-fix-remove = 許可する方法はありません。フローを削除してください
guardrail-fix-add-exception = 承認者と申請番号を記した exception = { "{" } approved_by = "...", ticket = "..." { "}" } を追加してください

## 各ガードレールの根拠: 基本方針の条項。
guardrail-rationale-mynumber-link = 第5-3: 個人番号利用事務系は、原則として、LGWAN接続系、インターネット接続系等の領域と通信できません。必要な通信は、名前付きホスト間の承認された例外に限ります
guardrail-rationale-mynumber-internet = 第5-3: 個人番号利用事務系は、インターネット接続系ともインターネットとも通信できません。例外でも許可できません
guardrail-rationale-lgwan-internet-tier = 第5-3: LGWAN接続系とインターネット接続系は、原則として通信できません。通信する場合は、必要な通信のみを、無害化サーバまたは画面転送のホストを経由して許可します
guardrail-rationale-lgwan-the-internet = 第5-3: LGWAN接続系がインターネットに到達できるのは、インターネット接続系（無害化または画面転送）を経由する場合だけです。直接の経路は例外でも許可できません
guardrail-rationale-security-cloud = 第5-3: インターネットとの通信は、都道府県の自治体情報セキュリティクラウド（ロール security-cloud のホスト）に集約します
guardrail-rationale-transit = 第5-3: ゲートウェイは市の各層を分離します。インターネットと LGWAN（全国網）や閉域網との間の通信を中継することはありません
guardrail-rationale-gateway = 第5-3 および 第3（不正アクセス）: ゲートウェイ自身には、承認がない限りインターネットから到達できません
guardrail-rationale-services = 第3（不正アクセス）: 既定は拒否です。フローが許可するのは指定したサービスだけで、層をまたぐ広いポート範囲は許可しません
guardrail-rationale-reason = 第6 監査及び自己点検: 許可するすべてのフローに、監査のための理由を記載します

## ガードレール 1。$needs: exception、named、both。
guardrail-g1 = ガードレール 1: 個人番号利用事務系 <-> { $other } には{ $needs ->
    [exception] `exception`（例外）
    [named] 両端の名前付きホスト
   *[both] `exception`（例外）と両端の名前付きホスト
}が必要です
guardrail-fix-named-host = { $end } を名前付きホスト（ゾーン全体を持たず、/24 または /64 より広くないホスト）に置き換えてください
guardrail-unnamed-whole-zone = ホスト { $host }（ゾーンのすべてのアドレスを持っています）
guardrail-unnamed-wide = ホスト { $host }（/24 または /64 より広いアドレスがあります）
guardrail-unnamed-zone = ゾーン { $zone }

## ガードレール 2。
guardrail-g2 = ガードレール 2: 個人番号利用事務系 <-> { $other } の通信は、例外があっても許可できません
guardrail-g2-fix = 許可する方法はありません。フローを削除してください。個人番号利用事務系からデータを出せるのは、LGWAN接続系側または閉域網のホストへの承認された例外を通じてだけです

## ガードレール 3 と、フローのどの端も満たさない理由。
guardrail-g3 = ガードレール 3: { $from } <-> { $to } には、一方の端が、ロール sanitizer（無害化）または screen-transfer（画面転送）を持ち、フローのすべてのサービスを提供する名前付きホストである必要があります
guardrail-g3-screen-transfer-direction = ホスト { $host } は画面転送のホストです。LGWAN接続系側から接続される宛先にしかなれず、LGWAN接続系へ接続を開くことはありません
guardrail-g3-unnamed = { $host } ではこのガードレールを満たせません: { $why }
guardrail-g3-no-serves = ホスト { $host }（ロール { $role }）に `serves` がありません。serves = [{ $services }] を追加してください
guardrail-g3-not-served = ホスト { $host }（ロール { $role }）の `serves` に { $services } を追加してください
guardrail-g3-no-role-host = 一方の端を、ロール "sanitizer"（無害化）を持つ名前付きホスト、または LGWAN接続系側から接続される宛先でロール "screen-transfer"（画面転送）を持つホストにし、その `serves` にフローのサービスを列挙してください

## ガードレール 4。
guardrail-g4 = ガードレール 4: { $lgwan } <-> インターネット の通信は、例外があっても許可できません
guardrail-g4-fix = 許可する方法はありません。LGWAN接続系側がインターネットに到達できるのは、インターネット接続系のホスト（無害化サーバ、または LGWAN接続系から接続される画面転送のホスト）を経由する場合だけで、それらのホストは自治体情報セキュリティクラウドのホストを経由してインターネットに到達します

## ガードレール 5。$end: source または destination（インターネット側の端）。
guardrail-g5 = ガードレール 5: インターネット接続系 <-> インターネット の通信には、インターネット側の{ $end ->
    [source] 送信元
   *[destination] 宛先
}がロール security-cloud（自治体情報セキュリティクラウド）のホストである必要があります（{ $why }）
guardrail-g5-whole-zone = { $host } はロール security-cloud を持っていますが、ゾーン全体を持っています
guardrail-g5-not-cloud = { $host } はロール security-cloud のホストではありません
guardrail-g5-declare-cloud = 自治体情報セキュリティクラウドのアドレスを、インターネットのゾーンに roles = ["security-cloud"] のホストとして宣言し、そのホストを指定してください
guardrail-g5-name-cloud = security-cloud のホストを{ $end ->
    [source] 送信元
   *[destination] 宛先
}に指定してください（例: { $hosts }）

## ガードレール 6。
guardrail-g6-backbone = ガードレール 6: ゲートウェイを経由するインターネットと LGWAN（全国網）の間の中継は、例外があっても許可できません
guardrail-g6-transit = ガードレール 6: ゲートウェイを経由する { $from } と { $to } の間の中継は、例外があっても許可できません
guardrail-g6-external = ガードレール 6: 二つの外部ネットワーク間のフロー（{ $from } -> { $to }）には `exception`（例外）が必要です

## ガードレール 7。
guardrail-g7 = ガードレール 7: インターネット -> ゲートウェイ自身 の通信には `exception`（例外）が必要です
guardrail-g7-fix = ゲートウェイは内部のゾーンから管理するか、承認者と申請番号を記した exception = { "{" } approved_by = "...", ticket = "..." { "}" } を追加してください

## ガードレール 8 と、一つの層の中ですべてのポートを許可する警告。
guardrail-g8 = ガードレール 8: このフローは { $proto }/{ $range }（{ $count } ポート）を許可しており、上限 { $max } を超えたうえで層をまたいでいます（{ $from } -> { $to }）
guardrail-g8-fix = サービスが使うポートを指定するか、承認された例外を追加してください
guardrail-all-ports = サービス `{ $service }`（{ $ports }）は、二つのゾーンの間（{ $from } -> { $to }）ですべてのポートを許可しています

## 何も免除しない例外。
guardrail-unneeded-exception = `exception` がありますが、例外で免除されるガードレールをまたいでいません。例外としては数えません
guardrail-unneeded-exception-note = 例外が免除するのはガードレール 1、3、5、6（中継以外の外部ネットワーク間）、7、8 です。レポートに本当の例外だけが載るよう、削除してください

## 期限のない委託の接続。
guardrail-open-ended = { $from } -> { $to }: { $outside } から内部のゾーンへの接続に `until`（期限）がありません
guardrail-open-ended-note = 第5-8 委託: 外部からの接続は契約とともに終わるべきです。until = "YYYY-MM-DD" を追加してください
