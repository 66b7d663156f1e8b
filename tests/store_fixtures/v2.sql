-- A store as tidings schema version 2 wrote it (search and kill rules, issue 9). NEVER EDIT: a future migration is tested by
-- opening this file's database and checking it ends up identical to a new store.
CREATE TABLE feeds (
    id            INTEGER PRIMARY KEY,   -- FeedId as i64
    url           TEXT NOT NULL,
    feed_title    TEXT,
    etag          TEXT,
    last_modified TEXT,
    last_success  INTEGER,
    last_attempt  INTEGER,
    last_error    TEXT,
    error_kind    TEXT,
    failures      INTEGER NOT NULL DEFAULT 0,
    next_due      INTEGER,
    moved_to      TEXT,
    discovered    TEXT
);
CREATE TABLE articles (
    id          INTEGER PRIMARY KEY,     -- ArticleId as i64
    feed_id     INTEGER NOT NULL,
    guid        TEXT,
    link        TEXT,
    title       TEXT NOT NULL,
    author      TEXT,
    published   INTEGER,
    updated     INTEGER,
    first_seen  INTEGER NOT NULL,
    read        INTEGER NOT NULL DEFAULT 0,
    starred     INTEGER NOT NULL DEFAULT 0,
    highlights  TEXT NOT NULL DEFAULT '', -- rule indices, "0,3"
    body        INTEGER                  -- bodies.ref
, hidden INTEGER NOT NULL DEFAULT 0);
CREATE INDEX articles_feed_date ON articles(feed_id, coalesce(published, first_seen));
CREATE INDEX articles_unread ON articles(coalesce(published, first_seen)) WHERE read = 0;
CREATE INDEX articles_body ON articles(body);
CREATE TABLE bodies (
    ref        INTEGER PRIMARY KEY,
    body_kind  TEXT NOT NULL,            -- 'html' | 'text'
    content    TEXT NOT NULL,
    full_text  TEXT                      -- readability extract, when fetched
);
CREATE TABLE removed (
    id          INTEGER PRIMARY KEY,     -- ArticleId of a dropped article
    feed_id     INTEGER NOT NULL,
    removed_at  INTEGER NOT NULL
);
CREATE INDEX removed_feed ON removed(feed_id);
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, author, text,
    content = '', contentless_delete = 1,
    tokenize = "unicode61 remove_diacritics 0 categories 'L* N* Co M*' tokenchars '_'"
);

-- Sample data. Feed id / article ids are FeedId::from_url / ArticleId values as i64.
INSERT INTO feeds (id, url, feed_title, etag, last_modified, last_success, last_attempt, last_error,
                   error_kind, failures, next_due, moved_to, discovered)
VALUES (1001, 'https://fixture.example.org/feed.xml', 'Fixture feed', '"abc"',
        'Tue, 14 Nov 2023 22:13:20 GMT', 1700000000, 1700000100, 'HTTP 503', 'http_status', 2,
        1700003600, 'https://fixture.example.org/new.xml', NULL);
INSERT INTO articles (id, feed_id, guid, link, title, author, published, updated, first_seen,
                      read, starred, highlights, body)
VALUES (-42, 1001, 'guid-1', 'https://fixture.example.org/1', 'Read and starred', 'Ann',
        1699990000, NULL, 1700000000, 1, 1, '0,3', 1),
       (7, 1001, NULL, 'https://fixture.example.org/2', 'Unread', NULL, NULL, NULL, 1700000050,
        0, 0, '', 2);
INSERT INTO bodies (ref, body_kind, content, full_text)
VALUES (1, 'html', '<p>one</p>', '<article>full</article>'), (2, 'text', 'two', NULL);
INSERT INTO removed (id, feed_id, removed_at) VALUES (99, 1001, 1700000000);
INSERT INTO meta (key, value) VALUES ('highlight_fingerprint', '12345');
-- The first body is in the full-text index, the second not yet (the writer indexes when idle).
INSERT INTO articles_fts (rowid, title, author, text) VALUES (1, 'Read and starred', 'Ann', ' one ');
INSERT INTO meta (key, value) VALUES ('fts_indexed_upto', '1');
PRAGMA user_version = 2;
