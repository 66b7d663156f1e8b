//! Styled text that knows nothing of any terminal library: the cleaner produces it, the
//! highlighter marks it, the UI maps it to ratatui styles and the headless CLI to ANSI.
//! Text in a `Span` is always sanitised (no control characters): only this crate builds spans.

/// Semantic style of a run of text. The theme decides what each flag looks like.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SpanStyle {
    pub bold: bool,
    pub italic: bool,
    /// Inline code or preformatted text.
    pub code: bool,
    /// Part of a heading.
    pub heading: bool,
    /// Text of a link (its footnote number follows it).
    pub link: bool,
    /// Decoration the cleaner adds (list markers, quote bars, link numbers, image labels).
    pub decoration: bool,
    /// Index of the highlight rule that matched this text, if any.
    pub highlight: Option<u16>,
}

impl SpanStyle {
    /// What the cleaner adds around the text (list markers, quote bars, link numbers).
    pub const DECORATION: SpanStyle = SpanStyle {
        bold: false,
        italic: false,
        code: false,
        heading: false,
        link: false,
        decoration: true,
        highlight: None,
    };
}

/// A run of text with one style.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Span {
    pub text: String,
    pub style: SpanStyle,
}

impl Span {
    pub fn new(text: impl Into<String>, style: SpanStyle) -> Span {
        Span {
            text: text.into(),
            style,
        }
    }

    pub fn plain(text: impl Into<String>) -> Span {
        Span::new(text, SpanStyle::default())
    }
}

/// One line on screen, already wrapped to the target width.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StyledLine {
    pub spans: Vec<Span>,
}

impl StyledLine {
    pub fn plain_text(&self) -> String {
        self.spans.iter().map(|s| s.text.as_str()).collect()
    }
}
