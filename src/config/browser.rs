//! Turns the `browser` and `player` settings into a program and arguments. Splits like a
//! shell would for quotes only: no shell is ever invoked, so a URL or a file name can never be
//! interpreted as a command.

use std::path::Path;

use super::PlayTarget;

/// Splits a command line into words. Whitespace separates words; single quotes keep
/// everything literally; double quotes keep spaces and allow `\"` and `\\`; outside quotes a
/// backslash escapes the next character. Errors on an unterminated quote.
pub fn split_command_line(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err("unterminated single quote".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\')) => word.push(c),
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err("unterminated double quote".into()),
                        },
                        Some(c) => word.push(c),
                        None => return Err("unterminated double quote".into()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(next) = chars.next() {
                    word.push(next);
                } else {
                    word.push('\\');
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

/// Builds the command that opens `url`. `configured` is the `browser` setting, `env_browser`
/// the value of `$BROWSER`. Returns None when `url` is not http(s) or no command can be found.
pub(crate) fn browser_command(
    configured: Option<&str>,
    env_browser: Option<&str>,
    url: &str,
) -> Option<(String, Vec<String>)> {
    if !is_http(url) {
        return None;
    }
    let words = configured
        .and_then(|line| split_command_line(line).ok())
        .filter(|w| !w.is_empty())
        .or_else(|| {
            // $BROWSER may list several commands separated by ':'; the first one wins.
            let first = env_browser?.split(':').find(|s| !s.trim().is_empty())?;
            split_command_line(first).ok().filter(|w| !w.is_empty())
        })
        .or_else(|| platform_opener().map(|p| vec![p.to_string()]))?;
    Some(substitute(words, url))
}

fn is_http(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// Builds the command that plays `target`: `configured` (the `player` setting), else the
/// platform opener. `None` for a url that is not http(s), or without a command.
pub(crate) fn player_command(
    configured: Option<&str>,
    target: &PlayTarget<'_>,
) -> Option<(String, Vec<String>)> {
    let argument = match target {
        PlayTarget::Url(url) if is_http(url) => url.to_string(),
        PlayTarget::Url(_) => return None,
        // A relative name starting with '-' would read as an option: anchor it.
        PlayTarget::File(path) if path.is_relative() => {
            Path::new(".").join(path).to_string_lossy().into_owned()
        }
        PlayTarget::File(path) => path.to_string_lossy().into_owned(),
    };
    let words = configured
        .and_then(|line| split_command_line(line).ok())
        .filter(|w| !w.is_empty())
        .or_else(|| platform_opener().map(|p| vec![p.to_string()]))?;
    Some(substitute(words, &argument))
}

/// Replaces `%u` and `{url}` in the words by `url`, or appends it; splits off the program.
fn substitute(words: Vec<String>, url: &str) -> (String, Vec<String>) {
    let mut substituted = false;
    let mut words: Vec<String> = words
        .into_iter()
        .map(|w| {
            if w.contains("%u") || w.contains("{url}") {
                substituted = true;
                w.replace("%u", url).replace("{url}", url)
            } else {
                w
            }
        })
        .collect();
    if !substituted {
        words.push(url.to_string());
    }
    let program = words.remove(0);
    (program, words)
}

fn platform_opener() -> Option<&'static str> {
    if cfg!(target_os = "macos") {
        Some("open")
    } else if cfg!(windows) {
        None
    } else {
        Some("xdg-open")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Vec<String> {
        split_command_line(s).unwrap()
    }

    #[test]
    fn splits_words_and_quotes() {
        assert_eq!(split("firefox --new-tab"), ["firefox", "--new-tab"]);
        assert_eq!(split("  a   b  "), ["a", "b"]);
        assert_eq!(
            split(r#"'/Applications/My Browser' "--profile=work stuff" x"#),
            ["/Applications/My Browser", "--profile=work stuff", "x"]
        );
        assert_eq!(split(r#"a"b c"d"#), ["ab cd"]);
        assert_eq!(split(r#"say "\"hi\"" it\'s"#), ["say", "\"hi\"", "it's"]);
        assert_eq!(split("''"), [""]);
        assert!(split("").is_empty());
    }

    #[test]
    fn unterminated_quotes_are_errors() {
        assert!(split_command_line("firefox 'oops").is_err());
        assert!(split_command_line("firefox \"oops").is_err());
    }

    fn cmd(configured: Option<&str>, env: Option<&str>, url: &str) -> (String, Vec<String>) {
        browser_command(configured, env, url).unwrap()
    }

    #[test]
    fn placeholder_or_appended() {
        let url = "https://example.org/a?b=c&d";
        assert_eq!(
            cmd(Some("firefox --new-tab"), None, url),
            ("firefox".into(), vec!["--new-tab".into(), url.into()])
        );
        assert_eq!(
            cmd(Some("w3m %u -o x"), None, url),
            ("w3m".into(), vec![url.into(), "-o".into(), "x".into()])
        );
        assert_eq!(
            cmd(Some("browser --url={url}"), None, url),
            ("browser".into(), vec![format!("--url={url}")])
        );
    }

    #[test]
    fn falls_back_to_env_then_platform() {
        let url = "http://example.org/";
        assert_eq!(
            cmd(None, Some("lynx -dump:links"), url),
            ("lynx".into(), vec!["-dump".into(), url.into()])
        );
        if cfg!(all(unix, not(target_os = "macos"))) {
            assert_eq!(cmd(None, None, url), ("xdg-open".into(), vec![url.into()]));
            assert_eq!(cmd(None, Some(""), url).0, "xdg-open");
        }
    }

    #[test]
    fn players_get_urls_and_local_files() {
        let url = "https://cdn.example.org/ep 1.mp3";
        assert_eq!(
            player_command(Some("mpv --no-video %u"), &PlayTarget::Url(url)),
            Some(("mpv".into(), vec!["--no-video".into(), url.into()]))
        );
        let file = Path::new("/home/u/Downloads/it's ep1.mp3");
        assert_eq!(
            player_command(Some("'/opt/my player/vlc'"), &PlayTarget::File(file)),
            Some((
                "/opt/my player/vlc".into(),
                vec!["/home/u/Downloads/it's ep1.mp3".into()]
            ))
        );
        assert_eq!(
            player_command(Some("mpv {url}"), &PlayTarget::File(Path::new("-x.mp3"))),
            Some(("mpv".into(), vec!["./-x.mp3".into()]))
        );
        assert!(player_command(Some("mpv"), &PlayTarget::Url("file:///etc/passwd")).is_none());
        assert!(player_command(Some("mpv"), &PlayTarget::Url("--help")).is_none());
        if cfg!(all(unix, not(target_os = "macos"))) {
            assert_eq!(
                player_command(None, &PlayTarget::Url(url)),
                Some(("xdg-open".into(), vec![url.into()]))
            );
        }
    }

    #[test]
    fn only_http_urls() {
        assert!(browser_command(Some("firefox"), None, "file:///etc/passwd").is_none());
        assert!(browser_command(Some("firefox"), None, "--help").is_none());
        assert!(browser_command(Some("firefox"), None, "javascript:alert(1)").is_none());
    }
}
