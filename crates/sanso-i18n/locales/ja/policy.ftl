## policy のメッセージ（日本語）。ID は "policy-" で始まり、en/policy.ftl と同じ ID・同じ変数を持つ。

policy-subject-zone = ゾーン { $name }
policy-subject-host = ホスト { $name }
policy-subject-flow = フロー { $name }
policy-subject-service = サービス { $name }
policy-subject-case = ケース { $name }
policy-subject-policy = ポリシー

## 候補（もしかして）と全角文字

policy-did-you-mean = もしかして `{ $best }` ですか？
policy-did-you-mean-case = もしかして `{ $best }` ですか？（名前は大文字と小文字を区別します）
policy-did-you-mean-width = もしかして `{ $best }` ですか？（全角文字: { $chars }。半角で書いてください）
policy-did-you-mean-width-case = もしかして `{ $best }` ですか？（全角文字: { $chars }。半角で書いてください。また、名前は大文字と小文字を区別します）
policy-width-reads-invalid = 全角文字: { $chars }。半角にすると `{ $folded }` ですが、これも正しくありません

## テーブルとキーの読み取り

policy-type = { $kind ->
    [string] 文字列
    [integer] 整数
    [float] 小数
    [boolean] 真偽値
    [datetime] 日時
    [array] 配列
   *[table] テーブル
}
policy-expected-bool = 真偽値（true または false）
policy-expected-string-or-strings = 文字列または文字列の配列
policy-expected-strings = 文字列の配列
policy-unknown-key-in = { $what } に不明なキー `{ $key }` があります
policy-unknown-key = 不明なキー `{ $key }` があります
policy-allowed-keys = 使えるキー: { $keys }
policy-missing-key = { $what } にキー `{ $key }` がありません
policy-wrong-type = `{ $key }` には{ $expected }を指定してください（{ $found }が指定されています）
policy-wrong-element-type = `{ $key }` には{ $expected }を指定してください（{ $found }の要素があります）

## ポリシーファイル: 構文、名前、宣言

policy-empty-file = { $what ->
    [policy] ポリシーファイルが空です
    [cases] テストケースファイルが空です
   *[other] { $what } ファイルが空です
}
policy-not-toml = TOML として正しくありません: { $message }
policy-width-outside-quotes = 引用符の外の全角文字（{ $chars }）は TOML として読めません。半角にするとこの行は `{ $line }` です
policy-declared-twice = 二重に宣言されています
policy-name-empty = 名前が空です
policy-name-control = 名前に制御文字が含まれています
policy-name-self-reserved = `self` はゲートウェイ自身を表す予約語です
policy-name-full-width = 名前に全角文字が含まれています。ASCII に見えても別の文字なので、半角で入力した名前とは別の名前になります
policy-the-policy-file = ポリシーファイル
policy-not-table-found = { $what }（{ $found }が指定されています）
policy-zone-not-table = ゾーンはテーブルでなければなりません
policy-host-not-table = ホストはテーブルでなければなりません
policy-zones-not-table = `zones` はゾーンのテーブルでなければなりません
policy-hosts-not-table = `hosts` はホストのテーブルでなければなりません
policy-services-not-table = `services` はサービスの一覧を並べたテーブルでなければなりません
policy-flow-not-table = フロー #{ $number } はテーブルでなければなりません
policy-flows-not-array = `flows` はテーブルの配列（[[flows]]）でなければなりません（{ $found }が指定されています）
policy-name-taken = { $kind ->
    [zone] この名前はすでにゾーンで使われています（ゾーンとホストは同じ名前空間を共有します）
   *[host] この名前はすでにホストで使われています（ゾーンとホストは同じ名前空間を共有します）
}
policy-declared-here = { $kind ->
    [zone] ゾーン { $name } はここで宣言されています
   *[host] ホスト { $name } はここで宣言されています
}

## ゾーン

policy-no-zones = ポリシーにゾーンが一つも宣言されていません
policy-unknown-tier = 層 `{ $tier }` は不明です。mynumber、lgwan、internet、external のいずれかを指定してください
policy-no-interfaces = インターフェースがありません
policy-no-networks = ネットワークがありません
policy-unknown-beyond = `beyond` の値 `{ $beyond }` は不明です。internet、lgwan、closed のいずれかを指定してください
policy-beyond-not-external = `beyond` は外部ゾーン（external）にだけ書けますが、このゾーンの層は { $tier } です
policy-beyond-not-external-note = `beyond` を削除するか、ゾーンを tier = "external" にしてください
policy-no-beyond = 外部ゾーン { $zone } の先に何があるかが書かれていません。インターネットとみなします
policy-no-beyond-note = beyond = "internet"（インターネット、自治体情報セキュリティクラウド）、"lgwan"（LGWAN（全国網））、"closed"（J-LIS などの閉域網）のいずれかを追加してください
policy-write-network = "{ $network }" と書いてください
policy-catch-all = 層 { $tier } のゾーンにすべてのアドレスを含むネットワーク { $network } があります
policy-catch-all-note = 0.0.0.0/0 や ::/0 を持てるのは `external` のゾーンだけです
policy-network-twice = ネットワーク { $network } が二度書かれています
policy-same-network = ネットワーク { $network } はゾーン { $zone } のネットワークでもあります
policy-same-network-label = ゾーン { $zone } もここで同じネットワークを持っています
policy-same-network-note = アドレスはちょうど一つのゾーンに分類されなければなりません
policy-overlap = ネットワーク { $network } はゾーン { $zone } のネットワーク { $other } と重なっています
policy-overlap-label = ゾーン { $zone } のネットワーク
policy-overlap-note = 内部（mynumber、lgwan、internet）のゾーンは重なってはいけません。入れ子にできるのは外部ゾーンだけです
policy-interface-twice = インターフェース { $interface } が二度書かれています
policy-first-here = 最初はここです
policy-shared-interface = インターフェース { $interface } はすでにゾーン { $zone } に属しています
policy-shared-interface-label = ゾーン { $zone } がここで持っています
policy-shared-interface-note = インターフェースは一つのゾーンに面します。なりすまし防止は（インターフェース, 送信元ゾーン）の組で判定します
policy-pool-outside = 動的プール { $pool } がゾーン { $zone } のネットワークの中にありません
policy-pool-outside-note = DHCP のプールはゾーンのアドレスの一部です。`networks` にも書いてください
policy-pool-overlap = 動的プール { $pool } はゾーン { $zone } のネットワーク { $network } と重なっています

## ホスト

policy-unknown-zone = ゾーン `{ $zone }` は存在しません
policy-no-addresses = アドレスがありません
policy-address-twice = アドレス { $address } が二度書かれています
policy-role-empty = 役割（role）が空です
policy-unknown-role = 役割 `{ $role }` はガードレールが知っている役割ではありません
policy-serves-empty = `serves` が空です。このホストが層をまたいで中継するサービスを書くか、キーを削除してください
policy-serves-twice = サービス `{ $service }` が `serves` に二度書かれています
policy-role-without-serves = ホストに役割 { $role } がありますが `serves` がないため、どの越境の条件も満たしません（ガードレール 3）
policy-role-without-serves-note = 層をまたいで中継するサービスを書いてください。例: serves = ["smtp"]
policy-serves-without-role = 役割 sanitizer または screen-transfer のないホストでは `serves` は効果がありません
policy-host-in-pool = ホスト { $host } のアドレス { $address } がゾーン { $zone } の動的プール { $pool } の中にあります
policy-host-in-pool-label = プール
policy-host-in-pool-note = DHCP がこのアドレスを別の端末に割り当てると、その端末がこのホストとして通ってしまいます。プールの外のアドレスを予約してください
policy-host-outside = アドレス { $address } は所属ゾーン { $zone } のどのネットワークにも含まれません
policy-host-elsewhere = アドレス { $address } は所属ゾーン { $zone } ではなくゾーン { $other } に分類されます
policy-host-elsewhere-note = アドレスは最も長く一致するネットワークを持つゾーンに分類されます
policy-host-part-elsewhere = { $address } の一部（{ $network }）は所属ゾーン { $zone } ではなくゾーン { $other } に分類されます

## サービス

policy-service-empty = サービスにエントリがありません
policy-service-overrides = 同じ名前の組み込みサービスを置き換えています
policy-service-builtin-is = 組み込みの定義は [{ $entries }] です

## フロー

policy-flow-name-taken = 同じ名前のフローがほかにあります
policy-flow-name-first = この名前の最初のフロー
policy-reason-missing = `reason` がありません。すべてのフローには存在する理由を書く必要があります
policy-reason-empty = `reason` が空です。すべてのフローには存在する理由を書く必要があります
policy-not-a-date-found = `{ $key }` には日付 "YYYY-MM-DD" を指定してください（{ $found }が指定されています）
policy-not-a-date = `{ $key }` = { $value } は日付 YYYY-MM-DD ではありません
policy-key-problem = `{ $key }`: { $problem }
policy-until-past = `until`（期限）{ $until } を過ぎています。このフローは終了しており、何も許可しません
policy-until-past-note = 第5-8 委託: フローを削除するか、契約が更新された場合は `until` を延ばしてください
policy-until-date-means = 日付はその日の終わり（日本標準時 +09:00）までを表します
policy-self-to-self = `self` が送信元と宛先の両方にあります。ゲートウェイ自身との通信はフローではありません
policy-endpoints-empty = `{ $key }` が空です。ゾーン、ホスト、self のいずれかを一つ以上書いてください
policy-endpoint-twice = `{ $name }` が `{ $key }` に二度書かれています
policy-unknown-endpoint = `{ $key }` の `{ $name }` はゾーンでもホストでも self でもありません
policy-services-missing = `services` がありません。すべてのフローはサービスを明示する必要があります
policy-services-empty = `services` が空です。すべてのフローはサービスを明示する必要があります
policy-service-twice = サービス `{ $service }` が二度書かれています
policy-unknown-service = サービス `{ $service }` は不明です
policy-unknown-service-note = [services] に定義するか（例: name = ["tcp/8443"]）、"tcp/8443" のようなエントリを直接書いてください
policy-exception-not-table = `exception` はテーブル { "{" } approved_by = "...", ticket = "..." { "}" } でなければなりません（{ $found }が指定されています）
policy-exception-missing = 例外に `{ $key }` がありません。例外には承認者と申請番号が必要です
policy-exception-empty = 例外の `{ $key }` が空です
policy-review-past = 例外の見直し期限 { $date } を過ぎています
policy-review-past-note = 承認者と例外を見直し、新しい review_by を設定してください（またはフローを削除してください）

## 値: アドレス、インターフェース名、limit、日付

policy-not-a-network = `{ $text }` は CIDR 形式の IPv4 / IPv6 ネットワークではありません（例: 10.20.0.0/16）
policy-not-a-host-address = `{ $text }` は IP アドレスでもプレフィックスでもありません（例: 10.20.5.10、10.30.8.0/24）
policy-bare-address = `{ $text }` はアドレスで、ネットワークではありません。プレフィックス長を書いてください（例: { $text }/32）
policy-host-bits-set = `{ $written }` はホスト部のビットが立っています。ネットワークは { $network } です
policy-interface-empty = インターフェース名が空です
policy-interface-too-long = インターフェース名 `{ $name }` は { $bytes } バイトです。Linux で使えるのは 15 バイトまでです（IFNAMSIZ - 1）
policy-interface-reserved = インターフェース名 `{ $name }` は Linux が受け付けません（`.` と `..` はディレクトリを表します）
policy-interface-character = インターフェース名 `{ $name }` に { $character } が含まれています。{ $why }
policy-a-space = 空白
policy-interface-full-width = これは全角文字で、ASCII ではありません。カーネルは見た目の似た半角の名前とは別の名前として扱います
policy-interface-not-ascii = これは ASCII ではありません。Linux は UTF-8 でバイト 0xA0 を含む名前をすべて拒否し（`à` や `Р` が該当）、全角や形の似た文字（`ｅｔｈ０`、キリル文字の `е`）は似ているインターフェースとは別のインターフェースを指します
policy-interface-nul = これはカーネルでは名前の終わりを表すため、その後ろが失われます
policy-interface-whitespace = 空白は Linux が受け付けません
policy-interface-control = 制御文字は nft のテキストにそのまま書けません（sanso のテキストと netlink のバックエンドで異なる名前が読み込まれます）
policy-interface-slash = これは Linux が受け付けません。インターフェース名は /sys/class/net の下のディレクトリ名になります
policy-interface-colon = これは Linux が受け付けません。`:` は旧式のエイリアスインターフェース（`eth0:1`）を表します
policy-interface-percent = Linux は名前に `%` を残しません。拒否するか、`%d` を番号に置き換えます（`eth%d` は `eth0` になります）
policy-interface-wildcard = nft はこれをワイルドカードとして扱います。`eth*` は名前が `eth` で始まるすべてのインターフェースに一致し、他のゾーンのインターフェースと重なります
policy-interface-quote = nft のテキストではこれを引用できません（引用した名前は `"` で終わり、nft にはそのエスケープがありません）
policy-interface-backslash = nft のテキストではこれがエスケープとして読まれるため（`a\*` は `a*` として読み込まれます）、テキストと netlink のバックエンドで異なる名前が読み込まれます
policy-limit-shape = limit `{ $limit }` は N/second、N/minute、N/hour のいずれの形でもありません
policy-limit-range = limit `{ $limit }` の N は 1 から 1000000 まででなければなりません
policy-until-shape = until `{ $until }` は日付 YYYY-MM-DD でも、オフセット付きの RFC 3339 日時でもありません
policy-until-too-late = `{ $date }` は sanso が受け付ける最後の日付 2100-12-31 より後です（2554 年を過ぎるとカーネルの時刻照合があふれます）

## サービスのエントリ

policy-service-shape = `{ $entry }` はサービスのエントリではありません。PROTO/PORT の形で書いてください（例: `tcp/443`、`udp/53`、`tcp/49152-65535`、`icmp/echo-request`）
policy-service-protocol = プロトコル `{ $proto }` は不明です。tcp、udp、icmp、icmpv6 のいずれかを指定してください
policy-service-not-a-port = `{ $port }` はポート番号ではありません
policy-service-port-zero = ポート 0 は宛先ポートとして使えません
policy-service-port-too-large = ポート { $port } は 65535 を超えています
policy-service-reversed = ポート範囲 { $first }-{ $last } は最初のポートが最後のポートより大きくなっています
policy-service-unknown-icmp-type = { $proto } のタイプ `{ $name }` は不明です
policy-service-icmp-type-range = ICMP タイプ { $number } は 255 を超えています

## ポリシーファイル・テストケースファイルの読み込み

policy-read-io = { $path } を読めません
policy-read-not-regular = { $path } は{ $kind }で、通常のファイル（またはそれへのシンボリックリンク）ではありません
policy-file-kind = { $kind ->
    [directory] ディレクトリ
    [fifo] FIFO（名前付きパイプ）
    [char-device] キャラクタデバイス
    [block-device] ブロックデバイス
    [socket] ソケット
   *[other] ファイルでもディレクトリでもないもの
}
policy-read-too-large = { $path } は大きすぎます: { $size }。上限は { $limit } MiB です
policy-size = { $at_least ->
    [yes] { $size } バイト以上（{ $mib } MiB）
   *[no] { $size } バイト（{ $mib } MiB）
}
policy-read-not-utf8 = { $path } は UTF-8 ではありません: { $line } 行目の { $column } バイト目が { $bytes } です（ファイルの { $offset } バイト目）。{ $hint }
policy-read-utf16 = { $path } は UTF-16（{ $form }）で、UTF-8 ではありません。{ $hint }
policy-save-as-utf8 = sanso が読めるのは UTF-8 だけです。ファイルを UTF-8 で保存してください（エディタの「UTF-8 で保存」）
policy-looks-shift-jis = Windows のエディタが日本語を保存するときの Shift_JIS（CP932）
policy-not-utf8-partly = それより前の行は UTF-8 なので、ファイルの一部だけが別の文字コードです（別のファイルから貼り付けた文字など）。その部分を UTF-8 で入力し直してください（ファイル全体を変換すると UTF-8 の部分が文字化けします）
policy-not-utf8-partly-looks = それより前の行は UTF-8 なので、ファイルの一部だけが別の文字コード（{ $looks } のようです）です（別のファイルから貼り付けた文字など）。その部分を UTF-8 で入力し直してください（ファイル全体を変換すると UTF-8 の部分が文字化けします）
policy-not-utf8-unknown = { $save }。または iconv で元の文字コードから変換してください（Shift_JIS なら `iconv -f CP932 -t UTF-8 { $path } > new.toml`）
policy-not-utf8-looks = { $looks } のようです。{ $save }。または `iconv -f { $from } -t UTF-8 { $path } > new.toml` で変換してください
policy-utf16-hint = { $save }。または `iconv -f { $from } -t UTF-8 { $path } > new.toml` で変換してください
policy-utf16-le-bom = リトルエンディアン、バイトオーダーマークあり
policy-utf16-le = リトルエンディアン、バイトオーダーマークなし
policy-utf16-be-bom = ビッグエンディアン、バイトオーダーマークあり
policy-utf16-be = ビッグエンディアン、バイトオーダーマークなし

## 読み込んだポリシー: フローの端とガードレール

policy-guardrail = ガードレール { $number }
policy-end-gateway = self（ゲートウェイ自身）
policy-end-zone = ゾーン { $zone }（{ $tier }）
policy-end-host = ホスト { $host }（ゾーン { $zone }、{ $tier }）
policy-tier-external-beyond = external、beyond: { $beyond }
policy-standing = { $standing ->
    [mynumber] 個人番号利用事務系
    [lgwan] LGWAN接続系
    [internet-tier] インターネット接続系
    [lgwan-backbone] LGWAN（全国網）
    [the-internet] インターネット
    [closed-line] 閉域網
   *[gateway] ゲートウェイ自身
}
policy-tier-external-no-beyond = external、beyond の指定なし: インターネットとみなします
