//! `tidings update-urls`: the user's explicit "yes" to the "feed moved to …" notices. The
//! config is only ever rewritten here, on request, never behind the user's back.

use std::io::Write;
use std::process::ExitCode;

use crate::app::{AppError, Environment};
use crate::config::Config;
use crate::model::{ErrorKind, FeedState};

use super::output::{self, write_error};

/// A url to replace, and why.
struct Move {
    old: String,
    new: String,
    why: &'static str,
}

pub fn update_urls(env: &Environment, dry_run: bool) -> Result<ExitCode, AppError> {
    let (store, _) = env.open_store()?;
    let states = store.load_feed_states()?;
    let moves: Vec<Move> = env
        .config
        .feeds
        .iter()
        .filter_map(|feed| {
            let state = states.iter().find(|s| s.id == feed.id())?;
            planned_move(&feed.url, state)
        })
        .collect();
    let mut out = output::stdout();
    if moves.is_empty() {
        writeln!(out, "no feed has moved").map_err(write_error)?;
        output::flush(&mut out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let path = &env.config_path;
    let mut text = std::fs::read_to_string(path)
        .map_err(|e| AppError::io(format!("could not read {}", path.display()), e))?;
    let mut applied = Vec::new();
    for m in &moves {
        match replace_url(&text, &m.old, &m.new) {
            Some(updated) => {
                text = updated;
                applied.push(m);
            }
            None => writeln!(
                out,
                "skipped {}: its `url = \"…\"` line was not found as written; edit it by hand to {}",
                m.old, m.new
            )
            .map_err(write_error)?,
        }
    }
    for m in &applied {
        let verb = if dry_run { "would move" } else { "moved" };
        writeln!(out, "{verb} {} -> {} ({})", m.old, m.new, m.why).map_err(write_error)?;
    }
    if dry_run || applied.is_empty() {
        output::flush(&mut out)?;
        return Ok(ExitCode::SUCCESS);
    }
    // Never write a config that would not load.
    Config::parse(&text, path)?;
    let temporary = path.with_extension("toml.tmp");
    std::fs::write(&temporary, &text)
        .and_then(|()| std::fs::rename(&temporary, path))
        .map_err(|e| AppError::io(format!("could not write {}", path.display()), e))?;
    let mut kept = 0;
    for m in &applied {
        kept += store.rename_feed(&m.old, &m.new)?;
    }
    writeln!(
        out,
        "updated {}; {kept} stored articles keep their read and starred state",
        path.display()
    )
    .map_err(write_error)?;
    output::flush(&mut out)?;
    Ok(ExitCode::SUCCESS)
}

/// The new url of a feed, if it moved for good or turned out to be a page naming its feed.
fn planned_move(url: &str, state: &FeedState) -> Option<Move> {
    if let Some(to) = &state.moved_to {
        return Some(Move {
            old: url.to_string(),
            new: to.clone(),
            why: "permanent redirect",
        });
    }
    match (&state.discovered, state.error_kind) {
        (Some(feed), Some(ErrorKind::NotAFeed)) => Some(Move {
            old: url.to_string(),
            new: feed.clone(),
            why: "the page links to this feed",
        }),
        _ => None,
    }
}

/// Replaces the value of the `url = "old"` (or `'old'`) line, keeping everything else.
fn replace_url(text: &str, old: &str, new: &str) -> Option<String> {
    let pattern = format!(r#"(?m)^(\s*url\s*=\s*)(?:"{0}"|'{0}')"#, regex::escape(old));
    let re = regex::Regex::new(&pattern).ok()?;
    if !re.is_match(text) {
        return None;
    }
    let quoted = format!("\"{}\"", new.replace('\\', "\\\\").replace('"', "\\\""));
    Some(
        re.replace_all(text, |caps: &regex::Captures<'_>| {
            format!("{}{quoted}", &caps[1])
        })
        .into_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::replace_url;

    #[test]
    fn replaces_only_the_url_value() {
        let text = "# my feeds\n[[feeds]]\nurl = \"http://old.example/feed\" # keep\ntitle = \"http://old.example/feed\"\n";
        let updated =
            replace_url(text, "http://old.example/feed", "https://new.example/feed").unwrap();
        assert_eq!(
            updated,
            "# my feeds\n[[feeds]]\nurl = \"https://new.example/feed\" # keep\ntitle = \"http://old.example/feed\"\n"
        );
        assert!(replace_url(text, "http://other", "x").is_none());
        let literal = "[[feeds]]\n  url='http://a.example/x?y=1'\n";
        assert_eq!(
            replace_url(literal, "http://a.example/x?y=1", "https://b.example/\"q\"").unwrap(),
            "[[feeds]]\n  url=\"https://b.example/\\\"q\\\"\"\n"
        );
    }
}
