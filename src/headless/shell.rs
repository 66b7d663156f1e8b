//! `tidings completions SHELL` and `tidings man`: completion scripts and the manual page,
//! both generated from the clap definitions in `crate::cli`, so that neither can disagree with
//! `--help`. Writes to the given writer only; needs no config, store or terminal.

use std::io::{self, Write};

use clap::{Arg, ArgAction, Command, CommandFactory};
use clap_complete::Shell;
use clap_mangen::roff::{bold, italic, roman, Inline, Roff};
use clap_mangen::Man;

use crate::cli::Cli;
use crate::paths::{CONFIG_ENV, DATA_DIR_ENV};

/// The program's name, as completions and the manual page know it.
const BIN: &str = "tidings";

/// Writes the completion script for `shell`.
pub fn completions(shell: Shell, out: &mut dyn Write) -> io::Result<()> {
    let mut command = Cli::command();
    // Into memory first: clap_complete panics when its writer fails (`| head`).
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, BIN, &mut script);
    out.write_all(&script)
}

/// Writes the manual page (roff, section 1): clap_mangen's title, name, synopsis, description
/// and global options, then every command with its own options, then the environment, files,
/// exit status and version.
pub fn man_page(out: &mut dyn Write) -> io::Result<()> {
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    let man = Man::new(command.clone())
        .title(BIN.to_uppercase())
        .manual("tidings manual");
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;

    let mut roff = Roff::default();
    commands_section(&mut roff, &command);
    environment_section(&mut roff);
    files_section(&mut roff);
    exit_status_section(&mut roff);
    roff.to_writer(out)?;
    man.render_version_section(out)?;

    let mut roff = Roff::default();
    roff.control("SH", ["SEE ALSO"]);
    roff.text([
        roman("The README and config.example.toml at "),
        roman(env!("CARGO_PKG_REPOSITORY")),
        roman(": every config key, the key bindings, the query language."),
    ]);
    roff.to_writer(out)
}

/// `COMMANDS`: each visible subcommand as a subsection with its long help and its options.
fn commands_section(roff: &mut Roff, command: &Command) {
    roff.control("SH", ["COMMANDS"]);
    roff.text([roman(
        "Without a command, tidings starts the reader. The global options above apply to \
         every command.",
    )]);
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        let mut title = vec![bold(format!("{BIN} {}", sub.get_name()))];
        for arg in sub
            .get_arguments()
            .filter(|a| shown(a) && a.is_positional())
        {
            title.push(roman(" "));
            title.extend(positional_synopsis(arg));
        }
        if sub.get_arguments().any(|a| shown(a) && !a.is_positional()) {
            title.push(roman(" ["));
            title.push(italic("OPTIONS"));
            title.push(roman("]"));
        }
        roff.control("SS", []);
        roff.text(title);
        paragraphs(roff, sub.get_long_about().or_else(|| sub.get_about()));
        for arg in sub.get_arguments().filter(|a| shown(a)) {
            argument(roff, arg);
        }
    }
}

/// Arguments worth documenting: not hidden, not clap's own `--help` (global options are
/// documented once, at the top).
fn shown(arg: &Arg) -> bool {
    !arg.is_hide_set()
        && !arg.is_global_set()
        && !matches!(arg.get_action(), ArgAction::Help | ArgAction::HelpLong)
}

fn positional_synopsis(arg: &Arg) -> Vec<Inline> {
    let name = arg
        .get_value_names()
        .and_then(|names| names.first())
        .map_or_else(|| arg.get_id().as_str().to_uppercase(), |n| n.to_string());
    if arg.is_required_set() {
        vec![italic(name)]
    } else {
        vec![roman("["), italic(name), roman("]")]
    }
}

/// One option or positional argument: `.TP`, its flags and value, its help, its values.
fn argument(roff: &mut Roff, arg: &Arg) {
    let mut head: Vec<Inline> = Vec::new();
    if arg.is_positional() {
        head.extend(positional_synopsis(arg));
    } else {
        if let Some(short) = arg.get_short() {
            head.push(bold(format!("-{short}")));
            head.push(roman(", "));
        }
        if let Some(long) = arg.get_long() {
            head.push(bold(format!("--{long}")));
        }
        if arg.get_action().takes_values() {
            let value = arg
                .get_value_names()
                .and_then(|names| names.first())
                .map_or_else(|| arg.get_id().as_str().to_uppercase(), |n| n.to_string());
            head.push(roman(" "));
            head.push(italic(value));
        }
    }
    roff.control("TP", []);
    roff.text(head);
    let help = arg.get_long_help().or_else(|| arg.get_help());
    let mut text = help.map(|h| h.to_string()).unwrap_or_default();
    let values: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| v.get_name().to_string())
        .collect();
    if !values.is_empty() && !arg.get_action().takes_values() {
        // A flag: its "values" are true/false.
    } else if !values.is_empty() {
        text.push_str(&format!(" [possible values: {}]", values.join(", ")));
    }
    let defaults: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    if !defaults.is_empty() && arg.get_action().takes_values() {
        text.push_str(&format!(" [default: {}]", defaults.join(", ")));
    }
    paragraphs(roff, Some(text.trim()));
}

/// Help text as roff paragraphs (blank lines separate paragraphs).
fn paragraphs(roff: &mut Roff, text: Option<impl ToString>) {
    let Some(text) = text.map(|t| t.to_string()) else {
        return;
    };
    for (i, paragraph) in text.split("\n\n").enumerate() {
        if i > 0 {
            roff.control("PP", []);
        }
        let joined: Vec<&str> = paragraph.lines().map(str::trim).collect();
        roff.text([roman(joined.join(" "))]);
    }
}

fn environment_section(roff: &mut Roff) {
    roff.control("SH", ["ENVIRONMENT"]);
    let vars = [
        (CONFIG_ENV, "The config file, when --config is not given."),
        (
            DATA_DIR_ENV,
            "Where the store lives, when --data-dir is not given.",
        ),
        (
            "NO_COLOR",
            "When set and not empty: show prints no colour unless --color always is given, \
             and the reader uses the monochrome theme unless the config sets theme.",
        ),
        (
            "BROWSER",
            "The program that opens links when the config sets no browser.",
        ),
    ];
    for (name, text) in vars {
        roff.control("TP", []);
        roff.text([bold(name)]);
        roff.text([roman(text)]);
    }
}

fn files_section(roff: &mut Roff) {
    roff.control("SH", ["FILES"]);
    let files = [
        (
            "~/.config/tidings/config.toml",
            "The config file on Linux (the platform's config directory elsewhere, e.g. \
             ~/Library/Application Support/tidings on macOS). Missing means defaults and no feeds.",
        ),
        (
            "~/.local/share/tidings/",
            "The store: articles, read and starred flags, feed states (the platform's data \
             directory elsewhere).",
        ),
    ];
    for (path, text) in files {
        roff.control("TP", []);
        roff.text([italic(path)]);
        roff.text([roman(text)]);
    }
}

fn exit_status_section(roff: &mut Roff) {
    roff.control("SH", ["EXIT STATUS"]);
    let statuses = [
        ("0", "Success."),
        (
            "1",
            "refresh polled failing feeds, show found no such article, add added nothing, or \
             sync failed.",
        ),
        (
            "2",
            "Any error: a bad config file, a locked store, a usage error.",
        ),
    ];
    for (code, text) in statuses {
        roff.control("TP", []);
        roff.text([bold(code)]);
        roff.text([roman(text)]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn man() -> String {
        let mut out = Vec::new();
        man_page(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn every_subcommand_has_a_subsection_with_its_options() {
        let page = man();
        for sub in Cli::command().get_subcommands() {
            let name = sub.get_name();
            // roff escapes `-` as `\-`.
            assert!(
                page.contains(&format!("tidings {}", name.replace('-', "\\-"))),
                "{name} missing from the man page"
            );
            for arg in sub.get_arguments().filter(|a| shown(a)) {
                if let Some(long) = arg.get_long() {
                    assert!(
                        page.contains(&format!("\\-\\-{}", long.replace('-', "\\-"))),
                        "--{long} of {name} missing"
                    );
                }
            }
        }
    }

    #[test]
    fn value_enums_list_their_values_and_defaults() {
        let page = man();
        assert!(page.contains("possible values: plain, json"), "{page}");
        assert!(page.contains("default: auto"), "{page}");
    }
}
