//! Where each pane goes for a terminal size: wide (three columns), medium (feeds beside
//! articles over the reader), narrow (one pane at a time), tiny ("too small"). Pure geometry:
//! both `update` (page sizes, scrolling) and `view` read it, so they always agree. It takes
//! sizes and flags, never the state, so it depends on no other part of the TUI.

use ratatui::layout::Rect;

/// Which pane has the keyboard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    Feeds,
    Articles,
    Reader,
}

/// Below this the TUI only says "terminal too small".
pub const MIN_WIDTH: u16 = 30;
pub const MIN_HEIGHT: u16 = 8;
/// From this width on, feeds | articles | reader side by side.
pub const WIDE: u16 = 160;
/// From this width on, two columns (feeds | articles over reader); below, one pane at a time.
pub const MEDIUM: u16 = 60;
/// Below this main-area height, the articles list and the reader are not stacked.
const STACK_MIN_HEIGHT: u16 = 16;

/// The rectangles of one frame. A pane that is `None` is not shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Areas {
    pub too_small: bool,
    pub welcome: Option<Rect>,
    pub feeds: Option<Rect>,
    pub articles: Option<Rect>,
    pub reader: Option<Rect>,
    pub status: Option<Rect>,
}

/// The layout for a size, focused pane, and whether an article is open.
pub fn compute(width: u16, height: u16, focus: Pane, reader_open: bool, welcome: bool) -> Areas {
    let mut a = Areas::default();
    if width < MIN_WIDTH || height < MIN_HEIGHT {
        a.too_small = true;
        return a;
    }
    // Plain arithmetic rather than ratatui's constraint solver: this runs several times per
    // key press (update needs page sizes) and must stay cheap.
    let main = Rect::new(0, 0, width, height - 1);
    a.status = Some(Rect::new(0, height - 1, width, 1));
    if welcome {
        a.welcome = Some(main);
        return a;
    }
    if width >= WIDE {
        let feeds_w = 30;
        let articles_w = (width - feeds_w) * 2 / 5;
        a.feeds = Some(Rect::new(0, 0, feeds_w, main.height));
        a.articles = Some(Rect::new(feeds_w, 0, articles_w, main.height));
        a.reader = Some(Rect::new(
            feeds_w + articles_w,
            0,
            width - feeds_w - articles_w,
            main.height,
        ));
    } else if width >= MEDIUM {
        let feeds_w = (width / 4).clamp(20, 30);
        a.feeds = Some(Rect::new(0, 0, feeds_w, main.height));
        let right = Rect::new(feeds_w, 0, width - feeds_w, main.height);
        if !reader_open {
            a.articles = Some(right);
        } else if right.height >= STACK_MIN_HEIGHT {
            let top = (right.height * 2 / 5).max(5);
            a.articles = Some(Rect {
                height: top,
                ..right
            });
            a.reader = Some(Rect {
                y: top,
                height: right.height - top,
                ..right
            });
        } else if focus == Pane::Reader {
            a.reader = Some(right);
        } else {
            a.articles = Some(right);
        }
    } else {
        match focus {
            Pane::Feeds => a.feeds = Some(main),
            Pane::Reader if reader_open => a.reader = Some(main),
            _ => a.articles = Some(main),
        }
    }
    a
}

/// Inside of a bordered pane.
pub fn inner(rect: Rect) -> Rect {
    Rect::new(
        rect.x.saturating_add(1),
        rect.y.saturating_add(1),
        rect.width.saturating_sub(2),
        rect.height.saturating_sub(2),
    )
}

/// The text area of the reader pane: its inside, with one column of padding when there is room.
pub fn reader_text(rect: Rect) -> Rect {
    let i = inner(rect);
    if i.width >= 24 {
        Rect::new(i.x + 1, i.y, i.width - 2, i.height)
    } else {
        i
    }
}

/// Size of the reader's text area as it is, or would be once the reader has the focus.
pub fn reader_size((w, h): (u16, u16)) -> (u16, u16) {
    let a = compute(w, h, Pane::Reader, true, false);
    a.reader
        .map(reader_text)
        .map_or((w.max(1), h), |r| (r.width.max(1), r.height))
}

/// Visible rows of the articles list.
pub fn article_list_height((w, h): (u16, u16), reader_open: bool) -> usize {
    let a = compute(w, h, Pane::Articles, reader_open, false);
    a.articles
        .map_or(usize::from(h), |r| usize::from(inner(r).height))
}

/// The inside of the feeds pane once it has the focus (`None` when the terminal is too small).
pub fn feeds_inner((w, h): (u16, u16), reader_open: bool) -> Option<Rect> {
    compute(w, h, Pane::Feeds, reader_open, false)
        .feeds
        .map(inner)
}

/// Splits the feeds pane's inside into the list and the selected feed's details (`lines` of
/// error text, "moved to", "last ok"); the details get at most half the height.
pub fn split_feed_details(inner: Rect, lines: usize) -> (Rect, Option<Rect>) {
    let lines = u16::try_from(lines).unwrap_or(u16::MAX);
    if lines == 0 || inner.height < 6 {
        return (inner, None);
    }
    // One separator row above the details.
    let h = lines.saturating_add(1).min(inner.height / 2);
    let list = Rect {
        height: inner.height - h,
        ..inner
    };
    let details = Rect {
        y: inner.y + inner.height - h,
        height: h,
        ..inner
    };
    (list, Some(details))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_pick_layouts() {
        assert!(compute(29, 40, Pane::Articles, false, false).too_small);
        assert!(compute(100, 7, Pane::Articles, false, false).too_small);
        let wide = compute(200, 50, Pane::Articles, false, false);
        assert!(wide.feeds.is_some() && wide.articles.is_some() && wide.reader.is_some());
        let medium = compute(120, 40, Pane::Articles, true, false);
        assert!(medium.feeds.is_some() && medium.articles.is_some() && medium.reader.is_some());
        let narrow = compute(50, 20, Pane::Reader, true, false);
        assert!(narrow.feeds.is_none() && narrow.articles.is_none() && narrow.reader.is_some());
    }

    #[test]
    fn every_size_fits_inside_the_terminal() {
        for w in 0..=220 {
            for h in 0..=70 {
                for focus in [Pane::Feeds, Pane::Articles, Pane::Reader] {
                    let a = compute(w, h, focus, true, false);
                    for r in [a.feeds, a.articles, a.reader, a.status]
                        .into_iter()
                        .flatten()
                    {
                        assert!(r.right() <= w && r.bottom() <= h, "{w}x{h} {r:?}");
                    }
                }
            }
        }
    }
}
