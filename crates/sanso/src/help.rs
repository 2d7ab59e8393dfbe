//! `--help` and `-h` in Japanese.
//!
//! The doc comments of the clap derive are the help text and stay the
//! English source. Japanese is `crates/sanso-i18n/locales/ja/help.ftl`, one
//! message per text, named by the text's place in the clap tree (the scheme
//! is in that file's header). [`localise`] puts the Japanese into the
//! command before clap parses; English is the command as derived.
//!
//! Also in Japanese: clap's own texts (the `--help` / `--version` flags, the
//! `help` subcommand) and the headings of the help page (使い方, コマンド,
//! 引数, オプション). Not localised: clap's placeholders in the usage line
//! (`[OPTIONS]`, `<COMMAND>`), `[default: ...]` / `[possible values: ...]`,
//! clap's usage errors, and the man pages (`sanso man` renders the English
//! derive).

use clap::builder::StyledStr;
use clap::{Arg, Command};
use sanso_i18n::Lang;

/// The id prefix of the help area.
const AREA: &str = "help";

/// The id of the root command's texts (`help-sanso`, `help-sanso-arg-lang`).
const ROOT: &str = "help-sanso";

/// clap's own English texts, which it adds when it builds the command, and
/// the ids of their Japanese.
const CLAP_TEXTS: &[(&str, &str)] = &[
    ("Print help", "help-clap-help"),
    ("Print help (see more with '--help')", "help-clap-help-more"),
    (
        "Print help (see a summary with '-h')",
        "help-clap-help-summary",
    ),
    ("Print version", "help-clap-version"),
    (
        "Print this message or the help of the given subcommand(s)",
        "help-clap-help-command",
    ),
    (
        "Print help for the subcommand(s)",
        "help-clap-help-command-arg",
    ),
];

/// `cmd` with its help in `lang`: unchanged for English; for Japanese every
/// `about` / `long_about` of a command and `help` / `long_help` of an
/// argument that has a Japanese message, clap's own texts and the headings.
pub(crate) fn localise(cmd: Command, lang: Lang) -> Command {
    if lang == Lang::En {
        return cmd;
    }
    let mut cmd = texts(cmd, ROOT, AREA);
    // clap adds the help and version flags, the `help` subcommand and the
    // copies of global arguments when it builds; building here lets them be
    // localised too (parsing does not build again).
    cmd.build();
    generated(cmd, lang)
}

/// The Japanese message `id`, if the catalogue has it.
fn ja(id: &str) -> Option<String> {
    let text = sanso_i18n::message(Lang::Ja, id, &[]);
    // A missing message comes back as its id.
    (text != id).then_some(text)
}

/// The id of the subcommand `name` of the command whose subcommands are
/// named under `prefix`.
fn command_id(prefix: &str, name: &str) -> String {
    format!("{prefix}-{name}")
}

/// The id of the argument `arg` of the command `command`.
fn arg_id(command: &str, arg: &Arg) -> String {
    let name = arg
        .get_id()
        .as_str()
        .trim_end_matches('_')
        .replace('_', "-");
    format!("{command}-arg-{name}")
}

/// Replaces the texts of the derive (`cmd`'s id `id`, its subcommands'
/// under `prefix`) before clap builds.
fn texts(mut cmd: Command, id: &str, prefix: &str) -> Command {
    if cmd.get_about().is_some() {
        if let Some(text) = ja(id) {
            cmd = cmd.about(text);
        }
    }
    if cmd.get_long_about().is_some() {
        if let Some(text) = ja(&format!("{id}-long")) {
            cmd = cmd.long_about(text);
        }
    }
    cmd = cmd.mut_args(|mut arg| {
        let arg_id = arg_id(id, &arg);
        if arg.get_help().is_some() {
            if let Some(text) = ja(&arg_id) {
                arg = arg.help(text);
            }
        }
        if arg.get_long_help().is_some() {
            if let Some(text) = ja(&format!("{arg_id}-long")) {
                arg = arg.long_help(text);
            }
        }
        arg
    });
    cmd.mut_subcommands(|sub| {
        let sub_id = command_id(prefix, sub.get_name());
        texts(sub, &sub_id, &sub_id)
    })
}

/// The Japanese of one of clap's own texts.
fn clap_text(text: Option<&StyledStr>) -> Option<String> {
    let text = text?.to_string();
    let (_, id) = CLAP_TEXTS.iter().find(|(english, _)| *english == text)?;
    ja(id)
}

/// Localises what clap added when it built `cmd`, and the headings.
fn generated(mut cmd: Command, lang: Lang) -> Command {
    let heading = |id: &str| sanso_i18n::message(lang, id, &[]);
    let usage = heading("help-clap-usage");
    let style = cmd.get_styles().get_usage();
    // clap's default template with the usage heading in Japanese.
    let template = format!(
        "{{before-help}}{{about-with-newline}}\n{style}{usage}:{style:#} {{usage}}\n\n{{all-args}}{{after-help}}"
    );
    cmd = cmd.help_template(template);
    if cmd.has_subcommands() {
        cmd = cmd.subcommand_help_heading(heading("help-clap-commands"));
    }
    let (arguments, options) = (heading("help-clap-arguments"), heading("help-clap-options"));
    if let Some(text) = clap_text(cmd.get_about()) {
        cmd = cmd.about(text);
    }
    cmd = cmd.mut_args(|mut arg| {
        if let Some(text) = clap_text(arg.get_help()) {
            arg = arg.help(text);
        }
        if let Some(text) = clap_text(arg.get_long_help()) {
            arg = arg.long_help(text);
        }
        // clap names the default sections itself; a heading of our own
        // replaces the name.
        if arg.get_help_heading().is_none() {
            let heading = if arg.is_positional() {
                &arguments
            } else {
                &options
            };
            arg = arg.help_heading(heading.clone());
        }
        arg
    });
    cmd.mut_subcommands(|sub| generated(sub, lang))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use clap::error::ErrorKind;
    use clap::CommandFactory;

    use super::*;

    /// The ids of the headings of a help page.
    const HEADINGS: &[&str] = &[
        "help-clap-usage",
        "help-clap-commands",
        "help-clap-arguments",
        "help-clap-options",
    ];

    /// Every text of `cmd` (as derived, not built) that needs a Japanese
    /// message: (id, English).
    fn english(cmd: &Command) -> Vec<(String, String)> {
        let mut out = Vec::new();
        english_of(cmd, ROOT, AREA, &mut out);
        out
    }

    fn english_of(cmd: &Command, id: &str, prefix: &str, out: &mut Vec<(String, String)>) {
        if let Some(text) = cmd.get_about() {
            out.push((id.to_owned(), text.to_string()));
        }
        if let Some(text) = cmd.get_long_about() {
            out.push((format!("{id}-long"), text.to_string()));
        }
        for arg in cmd.get_arguments() {
            let arg_id = arg_id(id, arg);
            if let Some(text) = arg.get_help() {
                out.push((arg_id.clone(), text.to_string()));
            }
            if let Some(text) = arg.get_long_help() {
                out.push((format!("{arg_id}-long"), text.to_string()));
            }
        }
        for sub in cmd.get_subcommands() {
            let sub_id = command_id(prefix, sub.get_name());
            english_of(sub, &sub_id, &sub_id, out);
        }
    }

    /// clap's own texts and the headings: (id, English).
    fn clap_english() -> Vec<(String, String)> {
        let headings = ["Usage", "Commands", "Arguments", "Options"];
        CLAP_TEXTS
            .iter()
            .map(|(english, id)| ((*id).to_owned(), (*english).to_owned()))
            .chain(
                HEADINGS
                    .iter()
                    .zip(headings)
                    .map(|(id, english)| ((*id).to_owned(), english.to_owned())),
            )
            .collect()
    }

    /// The ids of ja/help.ftl.
    fn catalogue_ids() -> BTreeSet<String> {
        let (_, source) = Lang::Ja
            .sources()
            .iter()
            .find(|(area, _)| *area == AREA)
            .expect("ja/help.ftl is in the catalogue");
        source
            .lines()
            .filter_map(|line| line.split_once(" ="))
            .map(|(id, _)| id)
            .filter(|id| id.starts_with("help-") && !id.contains(' '))
            .map(str::to_owned)
            .collect()
    }

    /// Every text of the tree and clap's own: (id, English).
    fn all_english() -> Vec<(String, String)> {
        let mut all = english(&crate::Cli::command());
        all.extend(clap_english());
        all
    }

    #[test]
    fn every_english_text_has_japanese_and_every_japanese_id_a_text() {
        let all = all_english();
        let known: BTreeSet<&str> = all.iter().map(|(id, _)| id.as_str()).collect();
        let mut problems: Vec<String> = all
            .iter()
            .filter(|(id, _)| ja(id).is_none())
            .map(|(id, english)| format!("{id} has no Japanese (English: {english:?})"))
            .collect();
        for id in catalogue_ids() {
            // `sanso bench` is there only with the feature "bench" (a
            // default); its Japanese stays for the builds that have it.
            if !cfg!(feature = "bench") && id.starts_with("help-bench") {
                continue;
            }
            if !known.contains(id.as_str()) {
                problems.push(format!(
                    "{id} in ja/help.ftl matches no command or argument"
                ));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn no_english_is_left_in_the_japanese_tree() {
        let english: BTreeSet<String> = all_english().into_iter().map(|(_, e)| e).collect();
        let mut left = Vec::new();
        let mut stack = vec![(
            String::from("sanso"),
            localise(crate::Cli::command(), Lang::Ja),
        )];
        while let Some((path, cmd)) = stack.pop() {
            let texts = [cmd.get_about(), cmd.get_long_about()];
            for text in texts.into_iter().flatten() {
                if english.contains(&text.to_string()) {
                    left.push(format!("{path}: {text}"));
                }
            }
            for arg in cmd.get_arguments() {
                for text in [arg.get_help(), arg.get_long_help()].into_iter().flatten() {
                    if english.contains(&text.to_string()) {
                        left.push(format!("{path} {}: {text}", arg.get_id()));
                    }
                }
                if arg.get_help_heading().is_none() {
                    left.push(format!("{path} {}: no heading of ours", arg.get_id()));
                }
            }
            for sub in cmd.get_subcommands() {
                stack.push((format!("{path} {}", sub.get_name()), sub.clone()));
            }
        }
        assert!(left.is_empty(), "English left:\n{}", left.join("\n"));
    }

    /// What clap prints for `args` (a help request) with the help in `lang`.
    fn help(lang: Lang, args: &[&str]) -> String {
        // Wide enough that no sentence wraps (clap wraps by display width).
        let err = localise(crate::Cli::command().term_width(1000), lang)
            .try_get_matches_from(args)
            .expect_err("a help request");
        assert_eq!(err.kind(), ErrorKind::DisplayHelp);
        err.render().to_string()
    }

    #[test]
    fn check_help_in_japanese() {
        let long = help(Lang::Ja, &["sanso", "--lang", "ja", "check", "--help"]);
        for japanese in [
            "ポリシーファイルを検証します: 構文、名前、アドレス、三層分離のガードレール。",
            "\n`--deny-warnings` を付けると",
            "使い方: sanso check [OPTIONS] <POLICY>",
            "引数:",
            "ポリシーファイル（TOML）",
            "オプション:",
            "--deny-warnings",
            "すべてのメッセージとレポートの言語: ja（日本語）または en。",
            "ヘルプを表示します（要約は '-h'）",
            "バージョンを表示します",
        ] {
            assert!(long.contains(japanese), "{japanese:?} not in:\n{long}");
        }
        for english in [
            "Validate",
            "Usage",
            "Arguments:",
            "Options:",
            "Print help",
            "The policy",
        ] {
            assert!(!long.contains(english), "{english:?} in:\n{long}");
        }
        // The arguments come before the options, as in English.
        assert!(long.find("引数:") < long.find("オプション:"), "{long}");

        let short = help(Lang::Ja, &["sanso", "check", "-h"]);
        assert!(short.contains("三層分離のガードレール\n"), "{short}");
        assert!(!short.contains("`--deny-warnings` を付けると"), "{short}");
        assert!(
            short.contains("ヘルプを表示します（詳しくは '--help'）"),
            "{short}"
        );
    }

    #[test]
    fn top_level_help_in_japanese() {
        let long = help(Lang::Ja, &["sanso", "--help"]);
        for japanese in [
            "sanso（三層）: 日本の地方公共団体の三層の対策",
            "コマンド:",
            "ポリシーファイルを検証します",
            "このメッセージ、または指定したサブコマンドのヘルプを表示します",
            "使い方: sanso [OPTIONS] <COMMAND>",
        ] {
            assert!(long.contains(japanese), "{japanese:?} not in:\n{long}");
        }
        assert!(!long.contains("Commands:"), "{long}");
        let nested = help(Lang::Ja, &["sanso", "help", "ha", "render"]);
        assert!(
            nested.contains("1 つのノードの DIR/keepalived.conf"),
            "{nested}"
        );
    }

    #[test]
    fn english_is_the_derive_unchanged() {
        for args in [
            &["sanso", "--help"][..],
            &["sanso", "check", "--help"],
            &["sanso", "check", "-h"],
            &["sanso", "ha", "render", "--help"],
        ] {
            let localised = help(Lang::En, args);
            let derived = crate::Cli::command()
                .term_width(1000)
                .try_get_matches_from(args)
                .expect_err("a help request")
                .render()
                .to_string();
            assert_eq!(localised, derived);
        }
        let long = help(Lang::En, &["sanso", "--lang", "en", "check", "--help"]);
        assert!(long.contains("Validate a policy file"), "{long}");
        assert!(long.contains("Usage: sanso check"), "{long}");
    }
}
