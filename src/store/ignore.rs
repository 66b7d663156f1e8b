//! Kill rules applied to stored articles when the rules change: `drop` deletes (never a
//! starred article) and remembers the ids, `hide` sets `articles.hidden` (recomputed from
//! the hide rules, so articles come back when a rule goes), `read` marks read. Like the
//! highlight fingerprint (`engine/rehighlight.rs`), fingerprints in `meta` say what was
//! applied: a `read` or `drop` rule runs over stored articles once, when it is new or
//! changed (a `read` rule must not mark again what the user marked unread); the hide rules
//! run whenever their set changes, or on every call when they depend on the time (`age<…`).

use std::collections::{HashMap, HashSet};

use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection};

use super::error::Result;
use super::queries::{meta_get, meta_set, remove_articles};
use super::search::{condition_with, group, pending};
use crate::model::{fnv1a64, FeedId};
use crate::query::{Context, IgnoreAction, IgnoreRule, Term};

/// Meta key: fingerprints of the `read` and `drop` rules already applied (comma-separated).
pub const IGNORE_APPLIED_KEY: &str = "ignore_applied";
/// Meta key: fingerprint of the set of `hide` rules the `hidden` flags were computed with.
pub const IGNORE_HIDE_KEY: &str = "ignore_hide";

/// Bumped when what a rule matches changes meaning, so every rule is applied again.
const VERSION: &str = "tidings-ignore-1";

/// Meta key of the highlight rules' fingerprint (`engine::rehighlight::FINGERPRINT_KEY`):
/// rules using `hl` depend on the stored matches.
const HIGHLIGHT_KEY: &str = "highlight_fingerprint";

/// What applying the kill rules did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IgnoreReport {
    /// One entry per rule applied in this pass, in config order.
    pub rules: Vec<RuleReport>,
    /// Articles shown again because no hide rule matches them any more.
    pub unhidden: usize,
}

impl IgnoreReport {
    /// One line per rule that caught something, and one for the articles shown again.
    pub fn lines(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .rules
            .iter()
            .filter(|r| r.caught > 0)
            .map(|r| {
                let what = match r.action {
                    IgnoreAction::Hide => "hides",
                    IgnoreAction::Read => "marked read",
                    IgnoreAction::Drop => "dropped",
                };
                let n = r.caught;
                format!(
                    "kill rule {} (`{}`, {}) {what} {n} article{}",
                    r.index + 1,
                    r.query,
                    r.action.as_str(),
                    if n == 1 { "" } else { "s" }
                )
            })
            .collect();
        if self.unhidden > 0 {
            let n = self.unhidden;
            lines.push(format!(
                "{n} article{} hidden by kill rules no longer matched and came back",
                if n == 1 { "" } else { "s" }
            ));
        }
        lines
    }
}

/// What one rule caught.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleReport {
    /// Position of the rule in the config's `[[ignore]]` list.
    pub index: usize,
    pub action: IgnoreAction,
    /// The rule's query, printed.
    pub query: String,
    /// `drop`: articles deleted now; `hide`: articles this rule hides (first matching hide
    /// rule); `read`: articles marked read now.
    pub caught: usize,
}

/// A rule's identity: its query, its action, and what its terms resolve to now (the feeds of
/// `feed:`/`tag:`, the rules of `hl:`, the highlight matches' fingerprint).
fn fingerprint(rule: &IgnoreRule, ctx: &Context, highlights: &str) -> u64 {
    let mut parts = vec![
        VERSION.to_string(),
        rule.query.to_string(),
        rule.action.as_str().to_string(),
    ];
    rule.query.root.visit_terms(&mut |t| match t {
        Term::Feed(needle) => parts.push(format!("{:?}", ctx.feeds_matching(needle))),
        Term::Tag(tag) => {
            let mut ids = ctx.feeds_tagged(tag);
            ids.sort();
            parts.push(format!("{ids:?}"));
        }
        Term::Hl(name) => {
            parts.push(highlights.to_string());
            if let Some(name) = name {
                parts.push(format!("{:?}", ctx.rules_named(name)));
            }
        }
        _ => {}
    });
    let bytes: Vec<&[u8]> = parts.iter().map(|p| p.as_bytes()).collect();
    fnv1a64(&bytes)
}

fn count(conn: &Connection, sql: &str, params: &[Value]) -> Result<usize> {
    let n: i64 = conn
        .prepare(sql)?
        .query_row(params_from_iter(params.iter()), |r| r.get(0))?;
    Ok(n.max(0) as usize)
}

/// What applying `rules` now has to do.
struct Plan {
    /// The hide rules (indices into the rules).
    hide: Vec<usize>,
    hide_fp: String,
    /// The hide rules changed since the `hidden` flags were computed.
    hide_changed: bool,
    /// A hide rule depends on the time: recompute on every call.
    hide_timed: bool,
    /// `read` and `drop` rules not applied yet.
    new: Vec<usize>,
    /// Fingerprints of every `read` and `drop` rule (what is applied once this pass is done).
    applied: Vec<String>,
}

fn plan(conn: &Connection, rules: &[IgnoreRule], ctx: &Context) -> Result<Plan> {
    let highlights = meta_get(conn, HIGHLIGHT_KEY)?.unwrap_or_default();
    let fps: Vec<u64> = rules
        .iter()
        .map(|r| fingerprint(r, ctx, &highlights))
        .collect();
    let applied: HashSet<u64> = meta_get(conn, IGNORE_APPLIED_KEY)?
        .unwrap_or_default()
        .split(',')
        .filter_map(|s| s.parse().ok())
        .collect();
    let hide: Vec<usize> = (0..rules.len())
        .filter(|&i| rules[i].action == IgnoreAction::Hide)
        .collect();
    let hide_fp = {
        let list: Vec<String> = hide.iter().map(|&i| fps[i].to_string()).collect();
        list.join(",")
    };
    // No hide rule and no stored fingerprint: nothing was ever hidden.
    let stored_hide = meta_get(conn, IGNORE_HIDE_KEY)?.unwrap_or_default();
    Ok(Plan {
        hide_changed: stored_hide != hide_fp,
        hide_timed: hide.iter().any(|&i| rules[i].query.uses_time()),
        hide_fp,
        new: (0..rules.len())
            .filter(|&i| rules[i].action != IgnoreAction::Hide && !applied.contains(&fps[i]))
            .collect(),
        applied: (0..rules.len())
            .filter(|&i| rules[i].action != IgnoreAction::Hide)
            .map(|i| fps[i].to_string())
            .collect(),
        hide,
    })
}

/// Whether `rules` changed since they were last applied (time alone does not count).
pub fn changed(conn: &Connection, rules: &[IgnoreRule], ctx: &Context) -> Result<bool> {
    let plan = plan(conn, rules, ctx)?;
    Ok(plan.hide_changed || !plan.new.is_empty())
}

/// Applies what changed in `rules` (see the module doc). Run it in a transaction.
pub fn apply(
    conn: &Connection,
    rules: &[IgnoreRule],
    ctx: &Context,
) -> Result<Option<IgnoreReport>> {
    let Plan {
        hide,
        hide_fp,
        hide_changed,
        hide_timed,
        new,
        applied,
    } = plan(conn, rules, ctx)?;
    let hide_due = hide_changed || hide_timed;
    let record = |conn: &Connection| -> Result<()> {
        meta_set(conn, IGNORE_APPLIED_KEY, &applied.join(","))?;
        meta_set(conn, IGNORE_HIDE_KEY, &hide_fp)
    };
    if !hide_due && new.is_empty() {
        record(conn)?;
        return Ok(None);
    }
    let pending = if rules.iter().any(|r| r.query.uses_words()) {
        pending(conn)?
    } else {
        None
    };
    let mut report = IgnoreReport::default();

    // Strongest first: drop, then hide, then read.
    for &i in new
        .iter()
        .filter(|&&i| rules[i].action == IgnoreAction::Drop)
    {
        let mut params = Vec::new();
        let cond = condition_with(&rules[i].query, ctx, pending, &mut params);
        let mut stmt = conn.prepare(&format!(
            "SELECT a.id, a.feed_id FROM articles a NOT INDEXED WHERE a.starred = 0 AND ({cond})"
        ))?;
        let mut by_feed: HashMap<i64, Vec<i64>> = HashMap::new();
        let mut rows = stmt.query(params_from_iter(params.iter()))?;
        while let Some(r) = rows.next()? {
            by_feed.entry(r.get(1)?).or_default().push(r.get(0)?);
        }
        let mut caught = 0;
        for (feed, ids) in by_feed {
            caught += remove_articles(conn, FeedId(feed as u64), &ids, ctx.now, true)?;
        }
        report.rules.push(RuleReport {
            index: i,
            action: IgnoreAction::Drop,
            query: rules[i].query.to_string(),
            caught,
        });
    }

    if hide_due {
        let mut params = Vec::new();
        let conds: Vec<String> = hide
            .iter()
            .map(|&i| condition_with(&rules[i].query, ctx, pending, &mut params))
            .collect();
        report.unhidden = if conds.is_empty() {
            conn.execute("UPDATE articles SET hidden = 0 WHERE hidden != 0", [])?
        } else {
            conn.prepare(&format!(
                "UPDATE articles AS a NOT INDEXED SET hidden = 0 WHERE a.hidden != 0 \
                 AND NOT coalesce(a.starred = 0 AND ({}), 0)",
                group(&conds, "OR")
            ))?
            .execute(params_from_iter(params.iter()))?
        };
        for (k, &i) in hide.iter().enumerate() {
            let mut params = Vec::new();
            let cond = condition_with(&rules[i].query, ctx, pending, &mut params);
            conn.prepare(&format!(
                "UPDATE articles AS a NOT INDEXED SET hidden = 1 WHERE a.hidden = 0 AND a.starred = 0 \
                 AND ({cond})"
            ))?
            .execute(params_from_iter(params.iter()))?;
            // Attribute each hidden article to the first hide rule that matches it.
            let earlier: Vec<String> = hide[..k]
                .iter()
                .map(|&j| condition_with(&rules[j].query, ctx, pending, &mut params))
                .collect();
            let not_earlier = if earlier.is_empty() {
                String::new()
            } else {
                format!(" AND NOT coalesce({}, 0)", group(&earlier, "OR"))
            };
            let caught = count(
                conn,
                &format!(
                    "SELECT count(*) FROM articles a NOT INDEXED WHERE a.hidden != 0 AND ({cond}){not_earlier}"
                ),
                &params,
            )?;
            report.rules.push(RuleReport {
                index: i,
                action: IgnoreAction::Hide,
                query: rules[i].query.to_string(),
                caught,
            });
        }
    }

    for &i in new
        .iter()
        .filter(|&&i| rules[i].action == IgnoreAction::Read)
    {
        let mut params = Vec::new();
        let cond = condition_with(&rules[i].query, ctx, pending, &mut params);
        let caught = conn
            .prepare(&format!(
                "UPDATE articles AS a NOT INDEXED SET read = 1 WHERE a.read = 0 AND a.hidden = 0 AND ({cond})"
            ))?
            .execute(params_from_iter(params.iter()))?;
        report.rules.push(RuleReport {
            index: i,
            action: IgnoreAction::Read,
            query: rules[i].query.to_string(),
            caught,
        });
    }
    report.rules.sort_by_key(|r| r.index);
    record(conn)?;
    Ok(Some(report))
}
