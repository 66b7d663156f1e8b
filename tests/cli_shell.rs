//! The real `tidings` binary and the shell: completion scripts and the man page generated from
//! the command-line definitions, `--version` with the git revision, the NO_COLOR convention
//! for `show` and `list` (on a pseudo-terminal, where colour would otherwise be on), and the
//! demo's headless commands showing the demo's articles.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use clap::CommandFactory;
use portable_pty::{native_pty_system, CommandBuilder, PtySize};
use tidings::cli::Cli;

fn tidings(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tidings"))
        .args(args)
        .env_remove("TIDINGS_CONFIG")
        .env_remove("TIDINGS_DATA_DIR")
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .output()
        .expect("run tidings")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Every visible subcommand and every long flag (global ones included) of the CLI.
fn names_and_flags() -> (Vec<String>, Vec<String>) {
    let cli = Cli::command();
    let mut flags: Vec<String> = cli
        .get_arguments()
        .filter(|a| !a.is_hide_set())
        .filter_map(|a| a.get_long().map(str::to_string))
        .collect();
    let mut names = Vec::new();
    for sub in cli.get_subcommands().filter(|s| !s.is_hide_set()) {
        names.push(sub.get_name().to_string());
        flags.extend(
            sub.get_arguments()
                .filter(|a| !a.is_hide_set())
                .filter_map(|a| a.get_long().map(str::to_string)),
        );
    }
    flags.sort();
    flags.dedup();
    (names, flags)
}

#[test]
fn completions_mention_every_subcommand_and_flag_for_bash_zsh_and_fish() {
    let (names, flags) = names_and_flags();
    assert!(names.len() >= 13, "{names:?}");
    assert!(flags.iter().any(|f| f == "notify"), "{flags:?}");
    for shell in ["bash", "zsh", "fish"] {
        let output = tidings(&["completions", shell]);
        assert!(output.status.success(), "{shell}: {}", stderr(&output));
        let script = stdout(&output);
        for name in &names {
            assert!(script.contains(name.as_str()), "{shell}: no `{name}`");
        }
        for flag in &flags {
            // fish writes `-l flag`, bash and zsh `--flag`.
            let found =
                script.contains(&format!("--{flag}")) || script.contains(&format!("-l {flag}"));
            assert!(found, "{shell}: no --{flag}");
        }
    }
    // Each script is for its own shell.
    assert!(stdout(&tidings(&["completions", "bash"])).contains("complete -F"));
    assert!(stdout(&tidings(&["completions", "zsh"])).starts_with("#compdef tidings"));
    assert!(stdout(&tidings(&["completions", "fish"])).contains("complete -c tidings"));
}

#[test]
fn completions_reject_an_unknown_shell() {
    let output = tidings(&["completions", "tcsh"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("bash"), "{}", stderr(&output));
}

#[test]
fn man_page_has_the_sections_and_every_subcommand() {
    let output = tidings(&["man"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let page = stdout(&output);
    assert!(page.starts_with(".ie") || page.starts_with(".TH"), "{page}");
    assert!(page.contains(".TH TIDINGS 1"), "{page}");
    for section in [
        "NAME",
        "SYNOPSIS",
        "DESCRIPTION",
        "OPTIONS",
        "COMMANDS",
        "ENVIRONMENT",
        "FILES",
        "\"EXIT STATUS\"",
        "VERSION",
    ] {
        assert!(page.contains(&format!(".SH {section}")), "no {section}");
    }
    let (names, _) = names_and_flags();
    for name in names {
        assert!(
            page.contains(&format!("\\fBtidings {}\\fR", name.replace('-', "\\-"))),
            "no subsection for {name}"
        );
    }
    assert!(page.contains("NO_COLOR"));
}

/// A pipe whose reader is gone: writing to it fails with EPIPE.
fn closed_pipe() -> std::fs::File {
    use std::os::fd::FromRawFd;
    let mut fds = [0; 2];
    // SAFETY: pipe() fills two new descriptors; each is owned exactly once below.
    unsafe {
        assert_eq!(libc::pipe(fds.as_mut_ptr()), 0);
        libc::close(fds[0]);
        std::fs::File::from_raw_fd(fds[1])
    }
}

#[test]
fn generated_output_into_a_closed_pipe_is_not_a_panic() {
    for args in [&["completions", "bash"][..], &["man"][..]] {
        let output = Command::new(env!("CARGO_BIN_EXE_tidings"))
            .args(args)
            .stdout(closed_pipe())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        assert!(!stderr(&output).contains("panicked"), "{}", stderr(&output));
    }
}

#[test]
fn version_has_the_package_version_and_the_git_revision_of_a_checkout() {
    let output = tidings(&["--version"]);
    assert!(output.status.success());
    let line = stdout(&output);
    let version = env!("CARGO_PKG_VERSION");
    assert!(line.starts_with(&format!("tidings {version}")), "{line}");
    let dir = env!("CARGO_MANIFEST_DIR");
    let git = |args: &[&str]| {
        Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let top = git(&["rev-parse", "--show-toplevel"]);
    let checkout = top.is_some_and(|top| {
        Path::new(&top).canonicalize().ok() == Path::new(dir).canonicalize().ok()
    });
    match git(&["rev-parse", "--short", "HEAD"]).filter(|_| checkout) {
        Some(revision) => assert!(line.contains(&format!("({revision}")), "{line}"),
        None => assert_eq!(line.trim(), format!("tidings {version}")),
    }
}

/// Runs tidings on a pseudo-terminal (so that `--color auto` would colour) with `env`;
/// returns everything it wrote.
fn on_terminal(args: &[&str], env: &[(&str, &str)]) -> String {
    let pty = native_pty_system();
    let pair = pty
        .openpty(PtySize {
            rows: 50,
            cols: 100,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("open a pty");
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_tidings"));
    cmd.args(args);
    cmd.env("TERM", "xterm-256color");
    cmd.env_remove("NO_COLOR");
    cmd.env_remove("TIDINGS_CONFIG");
    cmd.env_remove("TIDINGS_DATA_DIR");
    for (name, value) in env {
        cmd.env(name, value);
    }
    let mut child = pair.slave.spawn_command(cmd).expect("spawn tidings");
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().expect("pty reader");
    let reading = std::thread::spawn(move || {
        let mut out = Vec::new();
        let mut buf = [0u8; 8192];
        // EIO once the child is gone and the slave closed.
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        out
    });
    let status = child.wait().expect("wait");
    drop(pair.master);
    let out = String::from_utf8_lossy(&reading.join().unwrap()).into_owned();
    assert!(status.success(), "{args:?}: {out}");
    out
}

/// The id of a demo article that matches a highlight rule (its text is styled by `show`).
fn demo_article() -> String {
    let output = tidings(&["--demo", "list", "--highlighted", "--format", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let first = stdout(&output)
        .lines()
        .next()
        .expect("a highlighted demo article")
        .to_string();
    let value: serde_json::Value = serde_json::from_str(&first).unwrap();
    value["id"].as_str().unwrap().to_string()
}

/// A config with one local feed (an article matching a highlight rule) refreshed into a
/// store: `(dir, --config, --data-dir, article id)`.
fn refreshed_store() -> (tempfile::TempDir, String, String, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("news.xml"),
        "<rss version=\"2.0\"><channel><title>News</title><item><guid>n1</guid>\
         <title>Rust on Mars</title><description>&lt;p&gt;The rover runs &lt;b&gt;Rust&lt;/b&gt;.&lt;/p&gt;\
         </description></item></channel></rss>",
    )
    .unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[[feeds]]\nurl = \"news.xml\"\n[[highlight]]\nkeywords = [\"Rust\"]\nfg = \"red\"\n",
    )
    .unwrap();
    let config = config.display().to_string();
    let data = dir.path().join("data").display().to_string();
    let refreshed = tidings(&["--config", &config, "--data-dir", &data, "refresh"]);
    assert!(refreshed.status.success(), "{}", stderr(&refreshed));
    let listed = tidings(&["--config", &config, "--data-dir", &data, "list"]);
    let id = stdout(&listed)
        .split_whitespace()
        .next()
        .expect("an article")
        .to_string();
    (dir, config, data, id)
}

#[test]
fn no_color_turns_off_colour_in_show_and_list_unless_asked_for() {
    let (_dir, config, data, id) = refreshed_store();
    let run = |extra: &[&str], env: &[(&str, &str)]| {
        let mut args = vec!["--config", config.as_str(), "--data-dir", data.as_str()];
        args.extend_from_slice(extra);
        on_terminal(&args, env)
    };
    let show = ["show", id.as_str()];
    // On a terminal, `show` colours by default...
    let coloured = run(&show, &[]);
    assert!(coloured.contains("\x1b["), "{coloured}");
    // ...not with NO_COLOR, also with an explicit `--color auto`...
    for args in [&show[..], &["show", id.as_str(), "--color", "auto"][..]] {
        let plain = run(args, &[("NO_COLOR", "1")]);
        assert!(!plain.contains('\x1b'), "{args:?}: {plain:?}");
        assert!(plain.contains("Rust on Mars"), "{plain}");
    }
    // ...but an explicit `--color always` wins, and an empty NO_COLOR does not count.
    let always = run(
        &["show", id.as_str(), "--color", "always"],
        &[("NO_COLOR", "1")],
    );
    assert!(always.contains("\x1b["), "{always}");
    assert!(run(&show, &[("NO_COLOR", "")]).contains("\x1b["));
    // `list` prints no escape sequences with NO_COLOR either.
    let list = run(&["list"], &[("NO_COLOR", "1")]);
    assert!(list.contains(&id), "{list}");
    assert!(!list.contains('\x1b'), "{list:?}");
}

#[test]
fn demo_list_and_show_see_the_demo_articles() {
    let output = tidings(&["--demo", "list"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let lines = stdout(&output);
    assert!(lines.lines().count() > 50, "{lines}");
    assert!(lines.contains("Kernel Weekly"), "{lines}");
    // Filling the store is quiet: the only line on stderr is `list` naming the demo's
    // truncated feed.
    let err = stderr(&output);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("tidings: feed Broken Feed (demo of a truncated feed): partial: "),
        "{err}"
    );
    // `search` and `views` read the same filled store.
    let found = stdout(&tidings(&["--demo", "search", "rust"]));
    assert!(found.lines().count() >= 3, "{found}");
    let views = stdout(&tidings(&["--demo", "views"]));
    assert!(!views.contains(" 0 total"), "{views}");
    // Each run starts from a fresh store filled the same way: ids are stable between runs.
    let id = demo_article();
    let shown = tidings(&["--demo", "show", &id]);
    assert!(shown.status.success(), "{}", stderr(&shown));
    assert!(
        stdout(&shown).contains(&format!("Id      {id}")),
        "{}",
        stdout(&shown)
    );
    // Filling stays quiet: stdout holds the articles only.
    let json = stdout(&tidings(&["--demo", "list", "--format", "json"]));
    assert!(json.lines().all(|l| l.starts_with('{')), "{json}");
    // Commands that do not read articles start from the empty store, as before.
    let opml = tidings(&["--demo", "export-opml"]);
    assert!(
        stdout(&opml).contains("kernel-weekly.xml"),
        "{}",
        stdout(&opml)
    );
}
