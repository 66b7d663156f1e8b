//! The query parser: terms, precedence, errors with their column, and properties: any input
//! gives a query or an error with a column (never a panic), and printing a query then parsing
//! it again gives the same query.

use chrono::NaiveDate;
use proptest::prelude::*;
use tidings::query::{has_token, parse, AgeCmp, AgeUnit, Expr, Field, Query, QueryErrorKind, Term};

fn words(field: Field, text: &str, prefix: bool) -> Expr {
    Expr::Term(Term::Words {
        field,
        text: text.into(),
        prefix,
    })
}

fn w(text: &str) -> Expr {
    words(Field::Any, text, false)
}

fn t(term: Term) -> Expr {
    Expr::Term(term)
}

fn not(e: Expr) -> Expr {
    Expr::Not(Box::new(e))
}

fn root(input: &str) -> Expr {
    parse(input)
        .unwrap_or_else(|e| panic!("{input:?}: {}", e.render(input)))
        .root
}

#[test]
fn terms() {
    assert_eq!(root("rust"), w("rust"));
    assert_eq!(root("\"open source\""), w("open source"));
    assert_eq!(root("rust*"), words(Field::Any, "rust", true));
    assert_eq!(root("\"open sour\"*"), words(Field::Any, "open sour", true));
    assert_eq!(root("title:Rust"), words(Field::Title, "Rust", false));
    assert_eq!(root("TEXT:\"a b\""), words(Field::Text, "a b", false));
    assert_eq!(root("author:ann*"), words(Field::Author, "ann", true));
    assert_eq!(
        root("feed:\"rust gazette\""),
        t(Term::Feed("rust gazette".into()))
    );
    assert_eq!(root("tag:Rust"), t(Term::Tag("Rust".into())));
    assert_eq!(root("UNREAD"), t(Term::Unread));
    assert_eq!(root("read"), t(Term::Read));
    assert_eq!(root("starred"), t(Term::Starred));
    assert_eq!(root("hl"), t(Term::Hl(None)));
    assert_eq!(root("hl:CVE"), t(Term::Hl(Some("CVE".into()))));
    assert_eq!(
        root("age<7d"),
        t(Term::Age {
            cmp: AgeCmp::Newer,
            amount: 7,
            unit: AgeUnit::Days
        })
    );
    assert_eq!(
        root("AGE>2H"),
        t(Term::Age {
            cmp: AgeCmp::Older,
            amount: 2,
            unit: AgeUnit::Hours
        })
    );
    let day = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    assert_eq!(root("after:2026-11-01"), t(Term::After(day)));
    assert_eq!(root("before:\"2026-11-01\""), t(Term::Before(day)));
    // Words with punctuation are phrases of their words; a colon after a non-name is text.
    assert_eq!(root("rust-lang"), w("rust-lang"));
    assert_eq!(root("12:30"), w("12:30"));
    assert_eq!(root("\"read\""), w("read"));
    assert_eq!(root("Zürich"), w("Zürich"));
}

#[test]
fn precedence_not_then_and_then_or() {
    assert_eq!(
        root("a b or c -d"),
        Expr::Or(vec![
            Expr::And(vec![w("a"), w("b")]),
            Expr::And(vec![w("c"), not(w("d"))])
        ])
    );
    assert_eq!(
        root("a and (b or c) and not d"),
        Expr::And(vec![w("a"), Expr::Or(vec![w("b"), w("c")]), not(w("d"))])
    );
    assert_eq!(root("--a"), not(not(w("a"))));
    assert_eq!(root("not (a b)"), not(Expr::And(vec![w("a"), w("b")])));
    assert_eq!(
        root("unread and (tag:rust or hl)"),
        Expr::And(vec![
            t(Term::Unread),
            Expr::Or(vec![t(Term::Tag("rust".into())), t(Term::Hl(None))])
        ])
    );
    // A group stays a node of its own, so the printer can keep its parentheses.
    assert_eq!(
        root("a (b c)"),
        Expr::And(vec![w("a"), Expr::And(vec![w("b"), w("c")])])
    );
    assert_eq!(root("((a))"), w("a"));
}

fn error(input: &str) -> (usize, QueryErrorKind) {
    let e = parse(input).expect_err(input);
    (e.column, e.kind)
}

#[test]
fn errors_name_the_column() {
    assert_eq!(error("").1, QueryErrorKind::Empty);
    assert_eq!(error("   ").0, 1);
    let (col, kind) = error("unread and (tag:rust or");
    assert_eq!(col, 24);
    assert!(
        matches!(kind, QueryErrorKind::ExpectedTerm { .. }),
        "{kind:?}"
    );
    assert_eq!(error("(a b").0, 1);
    assert_eq!(error("(a b").1, QueryErrorKind::UnclosedParen);
    assert_eq!(error("a b)"), (4, QueryErrorKind::UnexpectedClose));
    assert_eq!(error(")"), (1, QueryErrorKind::UnexpectedClose));
    assert_eq!(error("a \"b c"), (3, QueryErrorKind::UnclosedQuote));
    assert_eq!(
        error("zz:top"),
        (1, QueryErrorKind::UnknownField("zz".into()))
    );
    assert_eq!(
        error("a title:"),
        (9, QueryErrorKind::MissingValue("title".into()))
    );
    assert_eq!(error("a ++"), (3, QueryErrorKind::NoWords("++".into())));
    assert_eq!(
        error("age<7y"),
        (1, QueryErrorKind::BadAge("age<7y".into()))
    );
    assert_eq!(
        error("after:2026-13-01"),
        (7, QueryErrorKind::BadDate("2026-13-01".into()))
    );
    assert!(matches!(
        error("a or or b"),
        (6, QueryErrorKind::ExpectedTerm { .. })
    ));
    assert!(matches!(
        error("and a"),
        (1, QueryErrorKind::ExpectedTerm { .. })
    ));
    assert!(matches!(
        error("a - b"),
        (4, QueryErrorKind::ExpectedTerm { .. })
    ));
    assert!(matches!(
        error("()"),
        (2, QueryErrorKind::ExpectedTerm { .. })
    ));
    // Columns count characters, not bytes.
    assert_eq!(error("Zürich )").0, 8);
    let deep = format!("{}a{}", "(".repeat(100), ")".repeat(100));
    assert_eq!(error(&deep).1, QueryErrorKind::TooDeep);
    assert_eq!(
        error(&format!("{}a", "-".repeat(1000))).1,
        QueryErrorKind::TooDeep
    );
}

#[test]
fn caret_lines_up_under_the_column() {
    let input = "unread and (tag:rust or";
    let e = parse(input).unwrap_err();
    assert_eq!(
        e.caret(input),
        "unread and (tag:rust or\n                       ^"
    );
    let input = "日本 )";
    let e = parse(input).unwrap_err();
    // Wide characters take two columns.
    assert_eq!(e.caret(input), "日本 )\n     ^");
    let shown = parse("a or").unwrap_err().render("a or");
    assert_eq!(
        shown,
        "error in the query, column 5: expected a word, a \"phrase\", a term like unread or `(` \
         after `or`, found the end of the query\n  a or\n      ^"
    );
}

#[test]
fn printing_is_canonical() {
    for (input, printed) in [
        ("a AND b", "a b"),
        ("a OR (b OR c)", "a or (b or c)"),
        ("NOT a", "-a"),
        ("not (a or b)", "-(a or b)"),
        (
            "\"open source\" title:\"read\"",
            "\"open source\" title:\"read\"",
        ),
        ("feed:x* tag:a:b", "feed:x* tag:\"a:b\""),
        ("\"a*\"", "\"a*\""),
        ("age<07D", "age<7d"),
        ("hl:\"Rust & RISC-V\"", "hl:\"Rust & RISC-V\""),
    ] {
        assert_eq!(parse(input).unwrap().to_string(), printed, "{input}");
    }
}

// ---- properties ----

fn word_text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9äÖßΣσ日_ .:'\"\\\\()*<>-]{1,12}".prop_filter("has a word", |s| has_token(s))
}

fn value_text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9ä _.:'\"\\\\()*<>-]{1,10}"
}

fn leaf() -> impl Strategy<Value = Expr> {
    let field = prop_oneof![
        Just(Field::Any),
        Just(Field::Title),
        Just(Field::Text),
        Just(Field::Author)
    ];
    let unit = prop_oneof![
        Just(AgeUnit::Minutes),
        Just(AgeUnit::Hours),
        Just(AgeUnit::Days),
        Just(AgeUnit::Weeks)
    ];
    let date = (1970i32..2200, 1u32..=12, 1u32..=28)
        .prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap());
    prop_oneof![
        (field, word_text(), any::<bool>()).prop_map(|(field, text, prefix)| Term::Words {
            field,
            text,
            prefix
        }),
        value_text().prop_map(Term::Feed),
        value_text().prop_map(Term::Tag),
        Just(Term::Unread),
        Just(Term::Read),
        Just(Term::Starred),
        proptest::option::of(value_text()).prop_map(Term::Hl),
        (any::<bool>(), 0u32..100_000, unit).prop_map(|(older, amount, unit)| Term::Age {
            cmp: if older { AgeCmp::Older } else { AgeCmp::Newer },
            amount,
            unit
        }),
        date.clone().prop_map(Term::After),
        date.prop_map(Term::Before),
    ]
    .prop_map(Expr::Term)
}

fn expr() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(5, 32, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(|e| Expr::Not(Box::new(e))),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::And),
            prop::collection::vec(inner, 2..4).prop_map(Expr::Or),
        ]
    })
}

/// Text that looks like queries: operators, quotes, fields, and some Unicode.
fn query_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("and ".to_string()),
        Just("or ".to_string()),
        Just("not ".to_string()),
        Just("-".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        Just("\"".to_string()),
        Just("*".to_string()),
        Just("title:".to_string()),
        Just("feed:".to_string()),
        Just("hl:".to_string()),
        Just("age<".to_string()),
        Just("after:2026-01-0".to_string()),
        Just(" ".to_string()),
        "[a-zA-Z0-9äΣ日\\\\:<>]{1,5}",
    ];
    prop::collection::vec(piece, 0..14).prop_map(|v| v.concat())
}

fn check_outcome(input: &str) {
    match parse(input) {
        Ok(q) => {
            let printed = q.to_string();
            let again =
                parse(&printed).unwrap_or_else(|e| panic!("{input:?} printed as {printed:?}: {e}"));
            assert_eq!(again, q, "{input:?} printed as {printed:?}");
        }
        Err(e) => {
            let chars = input.chars().count();
            assert!(e.column >= 1 && e.column <= chars + 1, "{input:?}: {e:?}");
            assert!(input.is_char_boundary(e.offset));
            assert_eq!(input[..e.offset].chars().count() + 1, e.column);
            let _ = e.caret(input);
            let _ = e.render(input);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn printed_queries_parse_back_to_themselves(e in expr()) {
        let q = Query { root: e };
        let printed = q.to_string();
        let again = parse(&printed).map_err(|err| err.render(&printed));
        prop_assert_eq!(again, Ok(q), "printed: {}", printed);
    }

    #[test]
    fn query_like_text_parses_or_fails_with_a_column(input in query_like()) {
        check_outcome(&input);
    }

    #[test]
    fn any_text_parses_or_fails_with_a_column(input in any::<String>()) {
        check_outcome(&input);
    }
}
