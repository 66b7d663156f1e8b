//! Config errors: every problem names the file and, when it can, the line and column, in one
//! paragraph a user can act on. Never panics.

use std::fmt;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};

use unicode_width::UnicodeWidthChar;

/// Why a config file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file does not exist. Callers that fell back to the default location (no `--config`,
    /// no `$TIDINGS_CONFIG`) may treat this as "no config" and start with defaults.
    #[error(
        "config file {} does not exist: create it (config.example.toml documents every key), \
         point --config or TIDINGS_CONFIG at another file, or try `tidings --demo`",
        path.display()
    )]
    NotFound { path: PathBuf },

    /// The file exists but could not be read.
    #[error("cannot read config file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    /// The file was read but is not a valid config: bad TOML, an unknown key, a wrong type, or a
    /// value that makes no sense (a bad duration, an unsupported URL scheme, ...).
    #[error("{}", render_invalid(.path, .location.as_ref(), .message))]
    Invalid {
        path: PathBuf,
        location: Option<Location>,
        message: String,
    },
}

impl ConfigError {
    /// The config file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            ConfigError::NotFound { path }
            | ConfigError::Read { path, .. }
            | ConfigError::Invalid { path, .. } => path,
        }
    }

    /// 1-based line of the offending text, when known.
    pub fn line(&self) -> Option<usize> {
        self.location().map(|l| l.line)
    }

    /// 1-based column (in characters) of the offending text, when known.
    pub fn column(&self) -> Option<usize> {
        self.location().map(|l| l.column)
    }

    fn location(&self) -> Option<&Location> {
        match self {
            ConfigError::Invalid { location, .. } => location.as_ref(),
            _ => None,
        }
    }

    /// An `Invalid` error at byte `span` of `source` (the whole config text).
    /// A problem on a `password = ...` line never echoes the line or a quoted value.
    pub(crate) fn at(path: &Path, source: &str, span: Range<usize>, message: String) -> Self {
        let mut location = Location::from_span(source, span);
        let mut message = message;
        if is_password_line(&location.source_line) {
            location.source_line = redact_password_line(&location.source_line);
            location.column = 1;
            location.width = location.source_line.chars().count().max(1);
            message = redact_quoted(&message);
        }
        ConfigError::Invalid {
            path: path.to_path_buf(),
            location: Some(location),
            message,
        }
    }
}

/// Where in the config file a problem is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
    /// The text of the offending line (without its line break).
    pub source_line: String,
    /// How many characters of `source_line` the problem covers (at least 1).
    pub width: usize,
}

impl Location {
    /// Converts a byte span of `source` into line and column.
    pub fn from_span(source: &str, span: Range<usize>) -> Location {
        let start = floor_char_boundary(source, span.start.min(source.len()));
        let end = floor_char_boundary(source, span.end.clamp(start, source.len()));
        let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[start..]
            .find('\n')
            .map_or(source.len(), |i| start + i);
        let line = source[..start].matches('\n').count() + 1;
        let column = source[line_start..start].chars().count() + 1;
        let source_line = source[line_start..line_end]
            .trim_end_matches('\r')
            .to_string();
        let width = source[start..end.min(line_end)].chars().count().max(1);
        Location {
            line,
            column,
            source_line,
            width,
        }
    }
}

/// A line that sets the `password` key (the `[sync]` password written in the file).
fn is_password_line(line: &str) -> bool {
    let t = line.trim_start().trim_start_matches(['"', '\'']);
    t.strip_prefix("password").is_some_and(|rest| {
        rest.trim_start_matches(['"', '\''])
            .trim_start()
            .starts_with('=')
    })
}

fn redact_password_line(line: &str) -> String {
    let key_end = line.find('=').map_or(line.len(), |i| i + 1);
    format!("{} <redacted>", line[..key_end].trim_end())
}

/// Replaces what serde quoted with backticks (a value it echoes) by `<redacted>`.
fn redact_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut parts = message.split('`');
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    for (i, part) in parts.enumerate() {
        out.push('`');
        out.push_str(if i % 2 == 0 { "<redacted>" } else { part });
    }
    out
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn render_invalid(path: &Path, location: Option<&Location>, message: &str) -> String {
    Invalid {
        path,
        location,
        message,
    }
    .to_string()
}

/// Display helper for `ConfigError::Invalid`: the first line says everything; the offending
/// source line and a caret follow directly (no blank line), as compilers do.
struct Invalid<'a> {
    path: &'a Path,
    location: Option<&'a Location>,
    message: &'a str,
}

impl fmt::Display for Invalid<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error in config file {}", self.path.display())?;
        let Some(loc) = self.location else {
            return write!(f, ": {}", self.message);
        };
        write!(
            f,
            ", line {}, column {}: {}",
            loc.line, loc.column, self.message
        )?;
        if loc.source_line.trim().is_empty() {
            return Ok(());
        }
        // Keep tabs in the caret's indentation so it lines up under the text.
        let mut indent = String::new();
        for c in loc.source_line.chars().take(loc.column - 1) {
            if c == '\t' {
                indent.push('\t');
            } else {
                indent.extend(std::iter::repeat_n(' ', c.width().unwrap_or(0)));
            }
        }
        let carets: usize = loc
            .source_line
            .chars()
            .skip(loc.column - 1)
            .take(loc.width)
            .map(|c| c.width().unwrap_or(0).max(1))
            .sum();
        let number = loc.line.to_string();
        let gutter = " ".repeat(number.len());
        write!(
            f,
            "\n {number} | {}\n {gutter} | {indent}{}",
            loc.source_line,
            "^".repeat(carets.max(1))
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn span_to_line_and_column() {
        let text = "a = 1\nbb = \"zürich\"\n";
        let start = text.find("\"z").unwrap();
        let loc = Location::from_span(text, start..start + "\"zürich\"".len());
        assert_eq!((loc.line, loc.column, loc.width), (2, 6, 8));
        assert_eq!(loc.source_line, "bb = \"zürich\"");
    }

    #[test]
    fn span_at_end_of_input() {
        let text = "a = [1,\n";
        let loc = Location::from_span(text, text.len()..text.len());
        assert_eq!((loc.line, loc.column), (2, 1));
    }

    #[test]
    fn a_password_line_is_never_echoed() {
        let text = "[sync]\npassword = \"hunter2\" x\n";
        let start = text.find('x').unwrap();
        let err = ConfigError::at(
            Path::new("/c.toml"),
            text,
            start..start + 1,
            "expected newline, found `x` after `\"hunter2\"`".into(),
        );
        let shown = err.to_string();
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("line 2"), "{shown}");
        assert!(is_password_line("  'password'= 1"));
        assert!(!is_password_line("password_command = []"));
    }

    #[test]
    fn display_is_one_paragraph_with_caret() {
        let text = "x = 1\n  refersh_interval = 5\n";
        let start = text.find("refersh").unwrap();
        let err = ConfigError::at(
            Path::new("/etc/tidings.toml"),
            text,
            start..start + "refersh_interval".len(),
            "unknown field `refersh_interval`".into(),
        );
        let shown = err.to_string();
        assert_eq!(
            shown,
            "error in config file /etc/tidings.toml, line 2, column 3: unknown field `refersh_interval`\n \
             2 |   refersh_interval = 5\n   \
               |   ^^^^^^^^^^^^^^^^"
        );
        assert!(!shown.contains("\n\n"));
    }
}
