//! Notifications about new articles that match the config's `notify` query, one per refresh
//! run: what one notification says (count, titles, feeds), `notify_command` with its
//! placeholders filled in, and the terminal's notification escape sequences (OSC 777, OSC 9)
//! with nothing from a feed able to end them early. It sends (spawns the command, writes the
//! sequence to the writer it is given) but never decides *when*: the TUI's `update` and
//! `tidings refresh --notify` do. Which articles match is decided at ingest, by the engine.

use std::io::{self, Write};
use std::process::{Child, Command, Stdio};

use chrono::{DateTime, Utc};

use crate::clean::sanitize_inline;
use crate::config::Config;
use crate::engine::NotifyArticle;
use crate::model::{ArticleId, NewArticle};
use crate::query::{searchable_text, Article, Context, FeedRef, Query, Subject};

/// At most this many titles are named in a terminal notification's text.
const TITLES_SHOWN: usize = 3;
/// Longest title (in characters) put into a terminal notification.
const TITLE_CHARS: usize = 120;

/// Decides at ingest which new articles notify: the config's `notify` query, evaluated in
/// memory on each article as parsed (its text, its highlight matches, after the kill rules),
/// before it reaches the store.
#[derive(Clone, Debug)]
pub struct Matcher {
    query: Query,
    /// The query looks at words (the body's text is extracted only then).
    words: bool,
    /// The highlight rules' labels, by index (for `hl:NAME`).
    rule_labels: Vec<String>,
}

impl Matcher {
    /// The matcher for the config's `notify`; None without it.
    pub fn new(config: &Config) -> Option<Matcher> {
        let notify = config.notify.as_ref()?;
        Some(Matcher {
            words: notify.query.uses_words(),
            query: notify.query.clone(),
            rule_labels: config.highlight.iter().map(|r| r.label()).collect(),
        })
    }

    /// The new articles of one feed that match, as notification entries; `skip` are those a
    /// kill rule hid.
    pub fn matching(
        &self,
        articles: &[NewArticle],
        skip: &[ArticleId],
        feed: FeedRef<'_>,
        now: DateTime<Utc>,
    ) -> Vec<NotifyArticle> {
        let ctx = Context {
            now,
            rule_labels: self.rule_labels.clone(),
            feeds: Vec::new(),
        };
        articles
            .iter()
            .filter(|a| !skip.contains(&a.meta.id))
            .filter(|a| {
                let text = searchable_text(a, self.words);
                let subject = Subject::new(Article::of_new(a, feed, &text));
                self.query.matches(&subject, &ctx)
            })
            .map(|a| NotifyArticle {
                id: a.meta.id,
                feed: a.meta.feed,
                title: a.meta.title.clone(),
                feed_title: feed.title.to_string(),
            })
            .collect()
    }
}

/// One notification for a batch of new matching articles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    pub count: usize,
    /// Every article's title, one line each (sanitized), in batch order.
    pub titles: Vec<String>,
    /// The feeds' display titles (sanitized), each once, in order of first appearance.
    pub feeds: Vec<String>,
}

impl Notification {
    /// The notification for a run's matches; None when there are none.
    pub fn new(batch: &[NotifyArticle]) -> Option<Notification> {
        if batch.is_empty() {
            return None;
        }
        let mut feeds: Vec<String> = Vec::new();
        for article in batch {
            let feed = sanitize_inline(&article.feed_title);
            if !feeds.contains(&feed) {
                feeds.push(feed);
            }
        }
        Some(Notification {
            count: batch.len(),
            titles: batch
                .iter()
                .map(|a| match sanitize_inline(&a.title) {
                    t if t.is_empty() => "(untitled)".to_string(),
                    t => t,
                })
                .collect(),
            feeds,
        })
    }

    /// `3 new articles` / `1 new article`.
    pub fn heading(&self) -> String {
        format!(
            "{} new article{}",
            self.count,
            if self.count == 1 { "" } else { "s" }
        )
    }

    /// The first titles and how many more: `A · B · C · and 2 more`; for one article its title
    /// and feed: `A (Kernel Weekly)`.
    pub fn body(&self) -> String {
        if let ([title], [feed]) = (self.titles.as_slice(), self.feeds.as_slice()) {
            return format!("{} ({feed})", truncate(title, TITLE_CHARS));
        }
        let mut parts: Vec<String> = self
            .titles
            .iter()
            .take(TITLES_SHOWN)
            .map(|t| truncate(t, TITLE_CHARS))
            .collect();
        if self.count > TITLES_SHOWN {
            parts.push(format!("and {} more", self.count - TITLES_SHOWN));
        }
        parts.join(" · ")
    }

    /// One line for the status bar: `3 new articles: A · B · C`.
    pub fn summary(&self) -> String {
        format!("{}: {}", self.heading(), self.body())
    }

    /// `{count}`, `{title}` (the first title), `{titles}` (every title, one per line) and
    /// `{feed}` (the feed, or the feeds separated by commas) replaced in `template`; other
    /// braces are left as written.
    pub fn expand(&self, template: &str) -> String {
        let mut out = String::with_capacity(template.len() + 64);
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open..];
            let value = PLACEHOLDERS
                .iter()
                .find(|name| after.starts_with(**name))
                .map(|name| (name.len(), self.placeholder(name)));
            match value {
                Some((len, value)) => {
                    out.push_str(&value);
                    rest = &after[len..];
                }
                None => {
                    out.push('{');
                    rest = &after[1..];
                }
            }
        }
        out.push_str(rest);
        out
    }

    fn placeholder(&self, name: &str) -> String {
        match name {
            "{count}" => self.count.to_string(),
            "{title}" => self.titles.first().cloned().unwrap_or_default(),
            "{titles}" => self.titles.join("\n"),
            "{feed}" => self.feeds.join(", "),
            _ => String::new(),
        }
    }

    /// The program and arguments of `notify_command` for this notification: placeholders are
    /// filled in the arguments (never in the program), and an argument that a feed's text
    /// made start with `-` gets a leading space, so that no feed can pass an option.
    pub fn command(&self, template: &[String]) -> Option<(String, Vec<String>)> {
        let (program, args) = template.split_first()?;
        let args = args
            .iter()
            .map(|arg| {
                let expanded = self.expand(arg);
                if expanded.starts_with('-') && !arg.starts_with('-') {
                    format!(" {expanded}")
                } else {
                    expanded
                }
            })
            .collect();
        Some((program.clone(), args))
    }

    /// The terminal escape sequence that shows this notification, for `target`.
    pub fn terminal_sequence(&self, target: TerminalTarget) -> String {
        let heading = format!("tidings: {}", self.heading());
        let body = osc_text(&self.body());
        let sequence = match target.protocol {
            // Title and body: the title ends at the next `;`, so it may hold none.
            TerminalProtocol::Osc777 => format!(
                "\x1b]777;notify;{};{body}\x07",
                osc_text(&heading).replace(';', ",")
            ),
            // One text. It starts with "tidings:", never with the digits and `;` of the
            // ConEmu/Windows Terminal commands that share the number.
            TerminalProtocol::Osc9 => format!("\x1b]9;{}: {body}\x07", osc_text(&heading)),
        };
        if target.tmux {
            tmux_passthrough(&sequence)
        } else {
            sequence
        }
    }
}

const PLACEHOLDERS: [&str; 4] = ["{count}", "{titles}", "{title}", "{feed}"];

/// Text safe inside an OSC string: one line, no control character at all (ESC, BEL, C1 ST
/// and every other one would end or corrupt the sequence).
fn osc_text(text: &str) -> String {
    sanitize_inline(text)
        .chars()
        .filter(|c| !c.is_control())
        .collect()
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(max - 1).collect();
        cut.push('…');
        cut
    }
}

/// Inside tmux, a sequence reaches the outer terminal only wrapped in tmux's passthrough
/// (and only with `set -g allow-passthrough on`): every ESC doubled.
fn tmux_passthrough(sequence: &str) -> String {
    format!("\x1bPtmux;{}\x1b\\", sequence.replace('\x1b', "\x1b\x1b"))
}

/// Which notification escape sequence a terminal shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TerminalProtocol {
    /// `ESC ] 777 ; notify ; title ; body BEL`: foot, WezTerm, Ghostty, rxvt-unicode, VTE
    /// terminals that carry the patch...
    Osc777,
    /// `ESC ] 9 ; text BEL`: iTerm2, kitty, Terminal.app, VS Code, Warp.
    Osc9,
}

/// Where the terminal notification goes: its protocol, and whether tmux sits between.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TerminalTarget {
    pub protocol: TerminalProtocol,
    pub tmux: bool,
}

impl TerminalTarget {
    /// From the environment (`TERM_PROGRAM`, `LC_TERMINAL`, `KITTY_WINDOW_ID`, `TERM`,
    /// `TMUX`); `var` reads a variable. One sequence only: terminals that know both would
    /// show two notifications. OSC 777 unless the terminal is known to want OSC 9.
    pub fn detect(var: impl Fn(&str) -> Option<String>) -> TerminalTarget {
        let is = |name: &str, values: &[&str]| var(name).is_some_and(|v| values.contains(&&*v));
        let osc9 = is(
            "TERM_PROGRAM",
            &["iTerm.app", "Apple_Terminal", "vscode", "WarpTerminal"],
        ) || is("LC_TERMINAL", &["iTerm2"])
            || var("KITTY_WINDOW_ID").is_some()
            || is("TERM", &["xterm-kitty"]);
        TerminalTarget {
            protocol: if osc9 {
                TerminalProtocol::Osc9
            } else {
                TerminalProtocol::Osc777
            },
            tmux: var("TMUX").is_some_and(|v| !v.is_empty()),
        }
    }

    /// [`TerminalTarget::detect`] on this process's environment.
    pub fn from_env() -> TerminalTarget {
        TerminalTarget::detect(|name| std::env::var(name).ok())
    }
}

/// Writes the notification's escape sequence to `out` (the terminal) and flushes.
pub fn write_terminal(
    notification: &Notification,
    target: TerminalTarget,
    out: &mut dyn Write,
) -> io::Result<()> {
    out.write_all(notification.terminal_sequence(target).as_bytes())?;
    out.flush()
}

/// Why `notify_command` could not run.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("notify_command is empty")]
    Empty,
    #[error("could not run notify_command `{program}`: {source}")]
    Spawn { program: String, source: io::Error },
}

/// Starts `notify_command` for the notification: no shell, no input, output discarded. The
/// caller waits for it or lets a thread reap it.
pub fn spawn_command(
    notification: &Notification,
    template: &[String],
) -> Result<Child, CommandError> {
    let (program, args) = notification.command(template).ok_or(CommandError::Empty)?;
    Command::new(&program)
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|source| CommandError::Spawn { program, source })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ArticleId, FeedId};

    fn article(title: &str, feed: &str) -> NotifyArticle {
        NotifyArticle {
            id: ArticleId::derive(feed, Some(title), None, title, None),
            feed: FeedId::from_url(feed),
            title: title.to_string(),
            feed_title: feed.to_string(),
        }
    }

    fn target(protocol: TerminalProtocol) -> TerminalTarget {
        TerminalTarget {
            protocol,
            tmux: false,
        }
    }

    #[test]
    fn nothing_to_say_without_articles() {
        assert_eq!(Notification::new(&[]), None);
    }

    #[test]
    fn one_article_names_its_title_and_feed() {
        let n = Notification::new(&[article("Rust 2.0", "Rust Gazette")]).unwrap();
        assert_eq!(n.summary(), "1 new article: Rust 2.0 (Rust Gazette)");
    }

    #[test]
    fn many_articles_name_the_first_three_and_count_the_rest() {
        let batch: Vec<NotifyArticle> = (1..=5)
            .map(|i| article(&format!("T{i}"), if i % 2 == 0 { "B" } else { "A" }))
            .collect();
        let n = Notification::new(&batch).unwrap();
        assert_eq!(n.body(), "T1 · T2 · T3 · and 2 more");
        assert_eq!(n.feeds, ["A", "B"]);
    }

    #[test]
    fn placeholders_are_filled_and_unknown_braces_kept() {
        let n = Notification::new(&[article("One", "F1"), article("Two", "F2")]).unwrap();
        assert_eq!(
            n.expand("{count} new: {title} | {titles} | {feed} | {other} {"),
            "2 new: One | One\nTwo | F1, F2 | {other} {"
        );
        // Expanded text is not expanded again.
        let tricky = Notification::new(&[article("{count}", "F")]).unwrap();
        assert_eq!(tricky.expand("{title}"), "{count}");
    }

    #[test]
    fn a_feed_cannot_turn_an_argument_into_an_option() {
        let n = Notification::new(&[article("--icon=/etc/passwd", "F")]).unwrap();
        let template: Vec<String> = ["notify-send", "-u", "low", "{title}"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let (program, args) = n.command(&template).unwrap();
        assert_eq!(program, "notify-send");
        assert_eq!(args, ["-u", "low", " --icon=/etc/passwd"]);
        // The program itself is never expanded.
        let (program, _) = n.command(&["{title}".to_string()]).unwrap();
        assert_eq!(program, "{title}");
        assert_eq!(n.command(&[]), None);
    }

    #[test]
    fn terminal_sequences_have_their_shape() {
        let n = Notification::new(&[article("Hello", "F")]).unwrap();
        assert_eq!(
            n.terminal_sequence(target(TerminalProtocol::Osc777)),
            "\x1b]777;notify;tidings: 1 new article;Hello (F)\x07"
        );
        assert_eq!(
            n.terminal_sequence(target(TerminalProtocol::Osc9)),
            "\x1b]9;tidings: 1 new article: Hello (F)\x07"
        );
        let wrapped = n.terminal_sequence(TerminalTarget {
            protocol: TerminalProtocol::Osc9,
            tmux: true,
        });
        assert_eq!(
            wrapped,
            "\x1bPtmux;\x1b\x1b]9;tidings: 1 new article: Hello (F)\x07\x1b\\"
        );
    }

    #[test]
    fn nothing_from_a_feed_can_end_the_sequence_early() {
        let hostile = [
            "bell\x07 here",
            "esc\x1b\\ st",
            "c1 st \u{9c} and csi \u{9b}31m",
            "osc \x1b]0;title\x07 inside",
            "newline\nand\rreturn",
            "semi;colons;everywhere",
        ];
        let batch: Vec<NotifyArticle> = hostile.iter().map(|t| article(t, "F;\x07eed")).collect();
        let n = Notification::new(&batch).unwrap();
        for protocol in [TerminalProtocol::Osc777, TerminalProtocol::Osc9] {
            let seq = n.terminal_sequence(target(protocol));
            let inner = &seq[2..seq.len() - 1];
            assert!(seq.ends_with('\x07'), "{seq:?}");
            assert!(
                !inner.chars().any(|c| c.is_control()),
                "{protocol:?}: {seq:?}"
            );
        }
        // In OSC 777 the title field (up to the next `;`) is ours: a feed's `;` lands in the
        // body, which runs to the end.
        let one = Notification::new(&[article("a;b", "x;y")]).unwrap();
        let seq = one.terminal_sequence(target(TerminalProtocol::Osc777));
        assert_eq!(seq, "\x1b]777;notify;tidings: 1 new article;a;b (x;y)\x07");
    }

    #[test]
    fn long_titles_are_cut() {
        let long = "x".repeat(500);
        let n = Notification::new(&[article(&long, "F"), article("y", "F")]).unwrap();
        let body = n.body();
        assert!(body.chars().count() < 140, "{body}");
        assert!(body.contains('…'));
    }

    #[test]
    fn terminals_get_the_sequence_they_show() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let detect = |pairs| TerminalTarget::detect(env(pairs));
        assert_eq!(
            detect(&[("TERM", "foot")]).protocol,
            TerminalProtocol::Osc777
        );
        assert_eq!(
            detect(&[("TERM_PROGRAM", "WezTerm")]).protocol,
            TerminalProtocol::Osc777
        );
        assert_eq!(
            detect(&[("TERM_PROGRAM", "iTerm.app")]).protocol,
            TerminalProtocol::Osc9
        );
        assert_eq!(
            detect(&[("TERM", "xterm-kitty")]).protocol,
            TerminalProtocol::Osc9
        );
        let in_tmux = detect(&[
            ("TMUX", "/tmp/tmux-1000/default,1,0"),
            ("LC_TERMINAL", "iTerm2"),
        ]);
        assert_eq!(
            in_tmux,
            TerminalTarget {
                protocol: TerminalProtocol::Osc9,
                tmux: true
            }
        );
        assert!(!detect(&[]).tmux);
    }
}
