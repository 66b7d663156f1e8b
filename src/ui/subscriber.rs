//! Subscribing from the reader (`a`): what the prompt asks for and what comes back, and the
//! thread that does it with `crate::subscribe` (look-up, the choice of feeds a page offers,
//! the parse check, the config append) exactly as `tidings add` does. One short-lived
//! thread per request, with its own small runtime: the UI thread never waits on it.

use std::path::PathBuf;
use std::sync::Arc;
use std::thread;

use clap::Parser;

use crate::cli::AddArgs;
use crate::config::Config;
use crate::fetch::discover::FeedLink;
use crate::fetch::{Fetcher, Limits};
use crate::subscribe::{self, AddError, CheckedFeed, Lookup, NewFeed};

use super::inbox::Inbox;
use super::update::Msg;

/// What the prompt's text asks for: `URL [--title T] [--tag X]… [--first]`, as for
/// `tidings add`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Request {
    pub input: String,
    pub title: Option<String>,
    pub tags: Vec<String>,
    pub first: bool,
}

#[derive(Parser)]
#[command(name = "add", no_binary_name = true, disable_help_flag = true)]
struct PromptArgs {
    #[command(flatten)]
    add: AddArgs,
}

impl Request {
    /// Reads the prompt's text (quotes as in a shell; no shell is run). The error is one line.
    pub fn parse(text: &str) -> Result<Request, String> {
        let words = crate::config::split_command_line(text)?;
        let args = PromptArgs::try_parse_from(&words).map_err(|e| {
            let text = e.to_string();
            let first = text.lines().next().unwrap_or("").trim();
            first.strip_prefix("error: ").unwrap_or(first).to_string()
        })?;
        Ok(Request {
            input: args.add.url,
            title: args.add.title,
            tags: args.add.tags,
            first: args.add.first,
        })
    }
}

/// Work for the subscribing thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Job {
    /// Look `request.input` up; add it when it is one feed (or `--first`).
    LookUp {
        request: Request,
        known: Vec<String>,
    },
    /// Add this feed that a page offered (the user picked it).
    Check {
        url: String,
        page: String,
        title: Option<String>,
        tags: Vec<String>,
        known: Vec<String>,
    },
}

/// The answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// The page names several feeds: pick one.
    Choose {
        page: String,
        feeds: Vec<FeedLink>,
        title: Option<String>,
        tags: Vec<String>,
    },
    /// Added to the config file at `path`.
    Added {
        feed: CheckedFeed,
        new: NewFeed,
        path: PathBuf,
    },
    /// Nothing was added, and why.
    Failed(AddError),
}

/// Runs `job` on a thread; the answer arrives in the inbox as `Msg::Subscribe`.
pub fn start(job: Job, config: Arc<Config>, path: PathBuf, inbox: Arc<Inbox>) {
    let spawned = thread::Builder::new().name("tidings-ui-add".into()).spawn({
        let inbox = inbox.clone();
        move || {
            let answer = run(job, &config, path);
            inbox.push_input(Msg::Subscribe(answer));
        }
    });
    if let Err(e) = spawned {
        inbox.push_input(Msg::Subscribe(Answer::Failed(AddError::Io {
            action: "start a thread to add",
            path: PathBuf::new(),
            kind: e.kind(),
            message: e.to_string(),
        })));
    }
}

fn run(job: Job, config: &Config, path: PathBuf) -> Answer {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            return Answer::Failed(AddError::Io {
                action: "start the network runtime for",
                path,
                kind: e.kind(),
                message: e.to_string(),
            })
        }
    };
    let fetcher = {
        // reqwest needs a runtime context to build its client.
        let _guard = runtime.enter();
        match Fetcher::new(Limits::from_config(config)) {
            Ok(f) => f,
            Err(e) => {
                return Answer::Failed(AddError::Io {
                    action: "set up fetching for",
                    path,
                    kind: std::io::ErrorKind::Other,
                    message: e.to_string(),
                })
            }
        }
    };
    let (checked, title, tags) = match job {
        Job::LookUp { request, known } => {
            let found = runtime.block_on(subscribe::look_up(&fetcher, &request.input, &known));
            match found {
                Ok(Lookup::Feed(feed)) => (Ok(feed), request.title, request.tags),
                Ok(Lookup::Choose { page, feeds }) if request.first => {
                    let checked = runtime.block_on(subscribe::check(
                        &fetcher,
                        &feeds[0].url,
                        Some(&page),
                        &known,
                    ));
                    (checked, request.title, request.tags)
                }
                Ok(Lookup::Choose { page, feeds }) => {
                    return Answer::Choose {
                        page,
                        feeds,
                        title: request.title,
                        tags: request.tags,
                    }
                }
                Err(e) => return Answer::Failed(e),
            }
        }
        Job::Check {
            url,
            page,
            title,
            tags,
            known,
        } => (
            runtime.block_on(subscribe::check(&fetcher, &url, Some(&page), &known)),
            title,
            tags,
        ),
    };
    let feed = match checked {
        Ok(feed) => feed,
        Err(e) => return Answer::Failed(e),
    };
    let new = NewFeed {
        url: feed.url.clone(),
        title,
        tags,
    };
    match subscribe::add_to_config(&path, &new) {
        Ok(()) => Answer::Added { feed, new, path },
        Err(e) => Answer::Failed(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prompt_takes_add_s_arguments() {
        let r = Request::parse("blog.example --tag rust --tag 'two words' --title \"My Blog\"")
            .unwrap();
        assert_eq!(
            r,
            Request {
                input: "blog.example".into(),
                title: Some("My Blog".into()),
                tags: vec!["rust".into(), "two words".into()],
                first: false,
            }
        );
        assert!(Request::parse("x --first").unwrap().first);
        let e = Request::parse("x --bogus").unwrap_err();
        assert!(e.contains("--bogus") && !e.contains('\n'), "{e}");
        assert!(Request::parse("").is_err());
        assert!(Request::parse("'x").is_err());
    }
}
