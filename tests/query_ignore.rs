//! Kill rules for new articles (`IgnoreRules`, used at ingest): precedence of actions,
//! starred articles, and agreement with the same rules applied to stored articles.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use tidings::model::{ArticleBody, ArticleId, ArticleMeta, BodyKind, FeedId, NewArticle};
use tidings::query::{parse, Context, FeedInfo, FeedRef, IgnoreAction, IgnoreRule, IgnoreRules};
use tidings::store::{Filter, OpenMode, Store};

const URL: &str = "https://beta.example.net/feed.xml";
const TITLE: &str = "Beta Weekly";

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000, 0).unwrap()
}

fn tags() -> Vec<String> {
    vec!["local".to_string()]
}

fn article(n: u32, title: &str, body: &str, starred: bool, highlights: Vec<u16>) -> NewArticle {
    let guid = format!("{URL}#{n}");
    NewArticle {
        meta: ArticleMeta {
            id: ArticleId::derive(URL, Some(&guid), None, "", None),
            feed: FeedId::from_url(URL),
            guid: Some(guid),
            title: title.to_string(),
            link: None,
            author: None,
            published: Some(now() - chrono::Duration::hours(i64::from(n))),
            first_seen: now(),
            read: false,
            starred,
            highlights,
            media: tidings::model::MediaMark::None,
        },
        body: ArticleBody {
            kind: BodyKind::Html,
            content: body.to_string(),
        },
        updated: None,
        enclosures: Vec::new(),
    }
}

fn batch() -> Vec<NewArticle> {
    vec![
        article(1, "Sponsored: a new phone", "<p>buy</p>", false, vec![]),
        article(
            2,
            "Timetable changes",
            "<p>Trams <b>re</b>route</p>",
            false,
            vec![],
        ),
        article(3, "Sponsored but starred", "<p>kept</p>", true, vec![]),
        article(4, "Security notice", "<p>patch now</p>", false, vec![1]),
        article(5, "Quiet news", "<p>nothing</p>", false, vec![]),
    ]
}

fn rules() -> Vec<IgnoreRule> {
    let rule = |q: &str, action| IgnoreRule {
        query: parse(q).unwrap(),
        action,
    };
    vec![
        rule("tag:local", IgnoreAction::Read),
        rule("title:sponsored", IgnoreAction::Drop),
        rule("reroute or hl:security", IgnoreAction::Hide),
    ]
}

fn labels() -> Vec<String> {
    vec!["CVE".to_string(), "Security".to_string()]
}

static TAGS: LazyLock<Vec<String>> = LazyLock::new(tags);

fn feed() -> FeedRef<'static> {
    FeedRef {
        title: TITLE,
        url: URL,
        tags: &TAGS,
    }
}

#[test]
fn strongest_action_wins_and_starred_articles_are_never_dropped_or_hidden() {
    let rules = IgnoreRules::new(rules(), labels());
    let items = batch();
    let actions: Vec<Option<(usize, IgnoreAction)>> = items
        .iter()
        .map(|a| rules.action_for(a, feed(), now()))
        .collect();
    assert_eq!(
        actions,
        [
            Some((1, IgnoreAction::Drop)),
            Some((2, IgnoreAction::Hide)),
            // Starred: not dropped, so the read rule decides.
            Some((0, IgnoreAction::Read)),
            Some((2, IgnoreAction::Hide)),
            Some((0, IgnoreAction::Read)),
        ]
    );
    let mut items = batch();
    let verdicts = rules.sort_out(&mut items, feed(), now());
    assert_eq!(verdicts.dropped, [batch()[0].meta.id]);
    assert_eq!(verdicts.hidden, [batch()[1].meta.id, batch()[3].meta.id]);
    assert_eq!(verdicts.caught, [2, 1, 2]);
    assert_eq!(items.len(), 4);
    let read: Vec<bool> = items.iter().map(|a| a.meta.read).collect();
    assert_eq!(read, [false, true, false, true]);
    assert!(IgnoreRules::new(Vec::new(), labels())
        .sort_out(&mut batch(), feed(), now())
        .hidden
        .is_empty());
}

#[test]
fn rules_at_ingest_and_on_the_store_agree() {
    // At ingest.
    let rules_list = rules();
    let ingest = IgnoreRules::new(rules_list.clone(), labels());
    let mut items = batch();
    let verdicts = ingest.sort_out(&mut items, feed(), now());

    // The same articles stored first, then the rules applied to the store.
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), OpenMode::ReadWrite).unwrap().store;
    store.insert_articles(&batch()).unwrap();
    let ctx = Context {
        now: now(),
        rule_labels: labels(),
        feeds: vec![FeedInfo {
            id: FeedId::from_url(URL),
            title: TITLE.into(),
            url: URL.into(),
            tags: tags(),
        }],
    };
    store
        .apply_ignore_rules(&rules_list, &ctx)
        .unwrap()
        .unwrap();

    let visible: BTreeSet<ArticleId> = store
        .load_articles()
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect();
    let hidden: BTreeSet<ArticleId> = store
        .search(
            &Filter {
                hidden: true,
                ..Filter::default()
            },
            &ctx,
        )
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect();
    let read: BTreeSet<ArticleId> = store
        .load_articles()
        .unwrap()
        .iter()
        .filter(|m| m.read)
        .map(|m| m.id)
        .collect();
    assert_eq!(hidden, verdicts.hidden.iter().copied().collect());
    let kept: BTreeSet<ArticleId> = items
        .iter()
        .map(|a| a.meta.id)
        .filter(|id| !hidden.contains(id))
        .collect();
    assert_eq!(visible, kept);
    let ingest_read: BTreeSet<ArticleId> = items
        .iter()
        .filter(|a| a.meta.read && !hidden.contains(&a.meta.id))
        .map(|a| a.meta.id)
        .collect();
    assert_eq!(read, ingest_read);
    for id in &verdicts.dropped {
        assert!(store.body(*id).unwrap().is_none());
        assert!(store.known_ids().unwrap().contains(id));
    }
}
