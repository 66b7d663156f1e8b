//! The query language on the command line, through the real binary on a copy of the demo
//! (local feed files, no network): `search`, `list --query` with other flags, `views`, kill
//! rules applied by `gc` and shown by `list --ignored`, and syntax errors (exit status 2,
//! a caret under the column).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

struct Demo {
    _dir: tempfile::TempDir,
    config: PathBuf,
    data: PathBuf,
}

impl Demo {
    /// The bundled demo feeds and config in a fresh directory, refreshed once.
    fn refreshed() -> Demo {
        let dir = tempfile::tempdir().unwrap();
        let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo");
        for entry in std::fs::read_dir(assets).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
        }
        let demo = Demo {
            config: dir.path().join("config.toml"),
            data: dir.path().join("data"),
            _dir: dir,
        };
        // The demo's truncated feed is read up to its break (partial): status 0.
        let out = demo.run(&["refresh"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        demo
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_tidings"))
            .arg("--config")
            .arg(&self.config)
            .arg("--data-dir")
            .arg(&self.data)
            .args(args)
            .env_remove("TIDINGS_CONFIG")
            .env_remove("TIDINGS_DATA_DIR")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// Titles printed by a successful command (`--format json`).
    fn titles(&self, args: &[&str]) -> Vec<String> {
        let mut args = args.to_vec();
        args.extend(["--format", "json"]);
        let out = self.run(&args);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        let mut titles: Vec<String> = text(&out.stdout)
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                v["title"].as_str().unwrap().to_string()
            })
            .collect();
        titles.sort();
        titles
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn search_list_query_views_and_kill_rules() {
    let demo = Demo::refreshed();
    let zurich = demo.titles(&["search", "zürich"]);
    assert_eq!(zurich, demo.titles(&["search", "ZÜRICH"]));
    assert!(zurich.len() >= 4, "{zurich:?}");
    assert!(
        zurich.iter().any(|t| t.contains("Zürich's repair")),
        "{zurich:?}"
    );
    // `search` is `list --query`, and both combine with the other flags.
    assert_eq!(zurich, demo.titles(&["list", "--query", "zürich"]));
    let city = demo.titles(&["search", "zürich", "--feed", "city transit"]);
    assert_eq!(
        city,
        ["We are partnering with Zürich on tram signal priority"]
    );
    assert_eq!(
        demo.titles(&["search", "zürich", "--starred"]),
        Vec::<String>::new()
    );
    assert_eq!(demo.titles(&["search", "zürich", "--limit", "2"]).len(), 2);
    let phrase = demo.titles(&["search", "title:\"open source\" -feed:kernel"]);
    assert!(
        phrase.iter().any(|t| t.starts_with("Open source firmware")),
        "{phrase:?}"
    );
    assert!(
        !phrase.iter().any(|t| t.contains("Maintainers summit")),
        "{phrase:?}"
    );

    // Views: plain and JSON Lines.
    let out = demo.run(&["views"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let plain = text(&out.stdout);
    assert!(plain.lines().any(|l| l.starts_with("Zürich ")), "{plain}");
    let out = demo.run(&["views", "--format", "json"]);
    let views: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let z = views.iter().find(|v| v["name"] == "Zürich").unwrap();
    assert_eq!(z["total"].as_u64().unwrap() as usize, zurich.len());
    assert_eq!(z["query"], "zürich");

    // The demo's kill rule hid the link roundups as they arrived.
    let out = demo.run(&["list"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(demo.titles(&["search", "title:\"quick links\""]).is_empty());
    let hidden = demo.titles(&["list", "--ignored"]);
    assert_eq!(hidden.len(), 2, "{hidden:?}");
    assert_eq!(demo.titles(&["search", "quick", "--ignored"]).len(), 1);
    let science = views_total(&demo, "Space & science");

    // Without the rule, `gc` shows them again. "Weekly chart: Arctic sea ice…" (Climate
    // Desk, tag science) comes back into its view.
    let config = std::fs::read_to_string(&demo.config).unwrap();
    let rule = "[[ignore]]\nquery = 'title:\"quick links\" or title:\"weekly chart\"'\naction = \"hide\"\n";
    assert!(config.contains(rule), "the demo's kill rule moved");
    std::fs::write(&demo.config, config.replace(rule, "")).unwrap();
    let warned = demo.run(&["list"]);
    assert!(
        text(&warned.stderr).contains("kill rules"),
        "{}",
        text(&warned.stderr)
    );
    let out = demo.run(&["gc"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("2 articles hidden by kill rules no longer matched"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(demo.titles(&["search", "title:\"quick links\""]).len(), 1);
    assert!(demo.titles(&["list", "--ignored"]).is_empty());
    assert_eq!(views_total(&demo, "Space & science"), science + 1);
    assert!(!text(&demo.run(&["list"]).stderr).contains("kill rules"));
}

fn views_total(demo: &Demo, name: &str) -> u64 {
    let out = demo.run(&["views", "--format", "json"]);
    text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["name"] == name)
        .unwrap()["total"]
        .as_u64()
        .unwrap()
}

#[test]
fn a_query_syntax_error_exits_2_with_a_caret() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    for args in [
        &["search", "unread and (tag:rust or"][..],
        &["list", "--query", "unread and (tag:rust or"][..],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_tidings"))
            .arg("--config")
            .arg(&config)
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(
            text(&out.stderr),
            "tidings: error in the query, column 24: expected a word, a \"phrase\", a term like \
             unread or `(` after `or`, found the end of the query\n  \
             unread and (tag:rust or\n                         ^\n"
        );
        // Nothing was created: the query is checked before the store is opened.
        assert!(!dir.path().join("data").exists());
    }
}
