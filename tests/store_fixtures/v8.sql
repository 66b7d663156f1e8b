-- A store as tidings schema version 8 wrote it (version 7 with the articles kept in arrival order). NEVER EDIT: a future migration is tested by
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
ALTER TABLE feeds ADD COLUMN due_reason TEXT NOT NULL DEFAULT 'schedule';
ALTER TABLE feeds ADD COLUMN warning TEXT;
ALTER TABLE feeds ADD COLUMN warning_kind TEXT;  -- 'partial' | 'not-understood'
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
);
ALTER TABLE articles ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;
ALTER TABLE articles ADD COLUMN media INTEGER NOT NULL DEFAULT 0;
CREATE INDEX articles_feed_date ON articles(feed_id, coalesce(published, first_seen));
CREATE INDEX articles_unread ON articles(coalesce(published, first_seen)) WHERE read = 0;
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

CREATE TABLE sync_categories (
    remote_id  TEXT PRIMARY KEY,
    title      TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE sync_feeds (
    remote_id  TEXT PRIMARY KEY,
    feed_id    INTEGER NOT NULL,          -- FeedId of url
    url        TEXT NOT NULL,
    title      TEXT NOT NULL,
    category   TEXT                       -- sync_categories.remote_id
) WITHOUT ROWID;
CREATE TABLE sync_articles (
    article_id   INTEGER PRIMARY KEY,     -- ArticleId as i64
    remote_id    INTEGER NOT NULL UNIQUE,
    remote_feed  TEXT NOT NULL
);
CREATE TABLE sync_outbox (
    remote_id  INTEGER NOT NULL,
    flag       TEXT NOT NULL,             -- 'read' | 'starred'
    value      INTEGER NOT NULL,
    queued_at  INTEGER NOT NULL,
    PRIMARY KEY (remote_id, flag)
) WITHOUT ROWID;

-- Sample data. Feed id / article ids are FeedId::from_url / ArticleId values as i64.
INSERT INTO feeds (id, url, feed_title, etag, last_modified, last_success, last_attempt, last_error,
                   error_kind, failures, next_due, moved_to, discovered, due_reason, warning, warning_kind)
VALUES (1001, 'https://fixture.example.org/feed.xml', 'Fixture feed', '"abc"',
        'Tue, 14 Nov 2023 22:13:20 GMT', 1700000000, 1700000100, 'HTTP 503', 'http_status', 2,
        1700003600, 'https://fixture.example.org/new.xml', NULL, 'backoff',
        'XML error at line 3, column 14: bad end tag; kept the 2 items before it', 'partial');
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
INSERT INTO sync_categories (remote_id, title) VALUES ('3', 'Tech');
INSERT INTO sync_feeds (remote_id, feed_id, url, title, category)
VALUES ('12', 1001, 'https://fixture.example.org/feed.xml', 'Fixture feed', '3');
INSERT INTO sync_articles (article_id, remote_id, remote_feed) VALUES (7, 501, '12');
INSERT INTO sync_outbox (remote_id, flag, value, queued_at) VALUES (501, 'read', 0, 1700000200);
INSERT INTO meta (key, value) VALUES ('sync.account', 'ttrss https://rss.example.org me');
CREATE INDEX articles_body ON articles(body);
CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, author, text,
    content = '', contentless_delete = 1,
    tokenize = "unicode61 remove_diacritics 0 categories 'L* N* Co M*' tokenchars '_'"
);
-- The first body is in the full-text index, the second not yet (the writer indexes when idle).
INSERT INTO articles_fts (rowid, title, author, text) VALUES (1, 'Read and starred', 'Ann', ' one ');
INSERT INTO meta (key, value) VALUES ('fts_indexed_upto', '1');
CREATE INDEX articles_newest ON articles(coalesce(published, first_seen) DESC, id)
    WHERE hidden = 0;
CREATE INDEX articles_unread_counts ON articles(feed_id, highlights)
    WHERE read = 0 AND hidden = 0;
CREATE INDEX articles_highlighted ON articles(id) WHERE highlights != '' AND hidden = 0;
CREATE TABLE enclosures (
    article_id  INTEGER NOT NULL,         -- ArticleId as i64
    position    INTEGER NOT NULL,         -- 0-based, in document order
    url         TEXT NOT NULL,
    mime        TEXT,
    length      INTEGER,                  -- bytes, as the feed says
    duration    INTEGER,                  -- seconds
    downloaded  TEXT,                     -- path of the finished download
    PRIMARY KEY (article_id, position)
) WITHOUT ROWID;
INSERT INTO enclosures (article_id, position, url, mime, length, duration, downloaded)
VALUES (-42, 0, 'https://fixture.example.org/ep1.mp3', 'audio/mpeg', 38000000, 2520,
        '/home/u/Downloads/ep1.mp3'),
       (-42, 1, 'https://fixture.example.org/cover.jpg', NULL, NULL, NULL, NULL);
UPDATE articles SET media = 2 WHERE id = -42;
CREATE TABLE articles_by_arrival (
    id          INTEGER NOT NULL,        -- ArticleId as i64 (unique: articles_id)
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
    body        INTEGER,                 -- bodies.ref
    hidden      INTEGER NOT NULL DEFAULT 0,
    media       INTEGER NOT NULL DEFAULT 0,
    seq         INTEGER PRIMARY KEY      -- arrival order (bodies.ref order for old rows)
);
INSERT INTO articles_by_arrival (id, feed_id, guid, link, title, author, published,
                                 updated, first_seen, read, starred, highlights, body,
                                 hidden, media)
    SELECT id, feed_id, guid, link, title, author, published, updated, first_seen, read,
           starred, highlights, body, hidden, media
    FROM articles ORDER BY body, id;
DROP TABLE articles;
ALTER TABLE articles_by_arrival RENAME TO articles;
CREATE UNIQUE INDEX articles_id ON articles(id);
CREATE INDEX articles_feed_date ON articles(feed_id, coalesce(published, first_seen));
CREATE INDEX articles_unread ON articles(coalesce(published, first_seen)) WHERE read = 0;
CREATE INDEX articles_body ON articles(body);
CREATE INDEX articles_newest ON articles(coalesce(published, first_seen) DESC, id)
    WHERE hidden = 0;
CREATE INDEX articles_unread_counts ON articles(feed_id, highlights)
    WHERE read = 0 AND hidden = 0;
CREATE INDEX articles_highlighted ON articles(id) WHERE highlights != '' AND hidden = 0;
PRAGMA user_version = 8;
