//! Pictures in the reader, the terminal side: which graphics protocol the terminal speaks
//! (asked once at start, before the first frame, with a short deadline), turning decoded
//! pixels into a picture for that protocol (done off the UI thread by the run loop's encoder),
//! and drawing a picture, or its placeholder, into an image slot. Fetching and decoding are
//! the engine's (`crate::images`); this module never touches the network or the disk.

use std::fmt;
use std::sync::Arc;

use image::DynamicImage;
use ratatui::buffer::Buffer;
use ratatui::layout::{Rect, Size};
use ratatui::style::Style;
use ratatui_image::picker::{Picker, ProtocolType};
use ratatui_image::sliced::{SignedPosition, SlicedImage, SlicedProtocol};
use ratatui_image::{FontSize, Resize};

use crate::config::ImagesMode;
use crate::images::{DecodedImage, ImageKey};

use super::text;

/// How the reader draws images: not at all (`[image: alt]` lines only, as without this
/// feature), or with a picker for the terminal's protocol and font size.
#[derive(Clone, Debug, Default)]
pub struct Pictures {
    picker: Option<Picker>,
}

impl Pictures {
    /// No pictures: the reader shows `[image: alt]` lines and fetches nothing.
    pub fn off() -> Pictures {
        Pictures { picker: None }
    }

    /// Unicode half blocks, on any terminal (`images = "halfblocks"`).
    pub fn halfblocks() -> Pictures {
        Pictures {
            picker: Some(Picker::halfblocks()),
        }
    }

    /// Pictures through `picker` (a protocol and the terminal's cell size in pixels).
    pub fn with(picker: Picker) -> Pictures {
        Pictures {
            picker: Some(picker),
        }
    }

    /// What `mode` gives on this terminal. For `auto`, asks the terminal (see
    /// [`query_terminal`]); a terminal without kitty graphics, sixel or iTerm2 images gets
    /// none. Call it in raw mode, before anything reads keys.
    pub fn detect(mode: ImagesMode) -> Pictures {
        match mode {
            ImagesMode::Off => Pictures::off(),
            ImagesMode::Halfblocks => Pictures::halfblocks(),
            ImagesMode::Auto => query_terminal().map_or_else(Pictures::off, Pictures::with),
        }
    }

    pub fn enabled(&self) -> bool {
        self.picker.is_some()
    }

    /// The terminal's cell size in pixels (10x20 for half blocks, where it only sets the
    /// aspect of a cell).
    pub fn cell_size(&self) -> (u16, u16) {
        self.picker.as_ref().map_or((10, 20), |p| {
            let f = p.font_size();
            (f.width.max(1), f.height.max(1))
        })
    }

    /// The protocol's name, for messages: "kitty", "sixel", "iTerm2" or "half blocks".
    pub fn protocol(&self) -> Option<&'static str> {
        self.picker.as_ref().map(|p| match p.protocol_type() {
            ProtocolType::Kitty => "kitty",
            ProtocolType::Sixel => "sixel",
            ProtocolType::Iterm2 => "iTerm2",
            ProtocolType::Halfblocks => "half blocks",
        })
    }

    /// Turns decoded pixels into a picture of at most `job.cols` x `job.rows` cells. CPU work
    /// (sixel quantising, PNG or base64 encoding): the run loop calls it on its encoder thread.
    pub fn encode(&self, job: &EncodeJob) -> PictureReady {
        let result = match &self.picker {
            None => Err("images are off".to_string()),
            Some(picker) => {
                let image = DynamicImage::ImageRgba8((*job.image.pixels).clone());
                SlicedProtocol::new_with_resize(
                    picker,
                    image,
                    Size::new(job.cols.max(1), job.rows.max(1)),
                    Resize::Fit(None),
                )
                .map(|p| Picture(Arc::new(p)))
                .map_err(|e| e.to_string())
            }
        };
        PictureReady {
            key: job.key.clone(),
            result,
        }
    }
}

/// Decoded pixels to turn into a picture for a slot of `cols` x `rows` cells.
#[derive(Clone, Debug, PartialEq)]
pub struct EncodeJob {
    pub key: ImageKey,
    pub image: DecodedImage,
    pub cols: u16,
    pub rows: u16,
}

/// A picture for the terminal's protocol, ready to draw at any scroll position.
#[derive(Clone)]
pub struct Picture(Arc<SlicedProtocol>);

impl Picture {
    /// Its size in cells.
    pub fn size(&self) -> (u16, u16) {
        let s = self.0.size();
        (s.width, s.height)
    }
}

impl fmt::Debug for Picture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (w, h) = self.size();
        write!(f, "Picture({w}x{h} cells)")
    }
}

impl PartialEq for Picture {
    fn eq(&self, other: &Picture) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// The encoder's answer for one job.
#[derive(Clone, Debug, PartialEq)]
pub struct PictureReady {
    pub key: ImageKey,
    pub result: Result<Picture, String>,
}

/// Draws `picture` whose top row is `top` rows below `area`'s top (negative: scrolled up
/// past it), clipped to `area`.
pub fn draw_picture(buf: &mut Buffer, area: Rect, top: i32, picture: &Picture) {
    let y = top.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16;
    let position = SignedPosition::from((0, y));
    ratatui::widgets::Widget::render(SlicedImage::new(&picture.0, position), area, buf);
}

/// Draws the reserved box of a slot that has no picture (yet): a frame of `cols` x `rows`
/// cells whose top row is `top` rows below `area`'s top, with `label` inside, clipped to
/// `area`. The text around it never moves when the picture replaces it.
pub fn draw_placeholder(
    buf: &mut Buffer,
    area: Rect,
    top: i32,
    (cols, rows): (u16, u16),
    label: &str,
    style: Style,
) {
    let cols = cols.min(area.width);
    if cols == 0 || rows == 0 {
        return;
    }
    let inner = usize::from(cols.saturating_sub(2));
    let label = text::truncate(label, inner.saturating_sub(2));
    for row in 0..rows {
        let y = top + i32::from(row);
        if y < 0 || y >= i32::from(area.height) {
            continue;
        }
        let line = if rows < 3 || cols < 4 {
            // Too small for a frame: the label alone.
            if row == 0 {
                text::truncate(&label, usize::from(cols))
            } else {
                String::new()
            }
        } else if row == 0 {
            format!("╭{}╮", "─".repeat(inner))
        } else if row == rows - 1 {
            format!("╰{}╯", "─".repeat(inner))
        } else if row == (rows - 1) / 2 {
            let pad = inner.saturating_sub(unicode_width::UnicodeWidthStr::width(label.as_str()));
            let left = pad / 2;
            format!("│{}{label}{}│", " ".repeat(left), " ".repeat(pad - left))
        } else {
            format!("│{}│", " ".repeat(inner))
        };
        buf.set_stringn(area.x, area.y + y as u16, line, usize::from(cols), style);
    }
}

/// How long the terminal has to answer the start-up query.
#[cfg(unix)]
const QUERY_DEADLINE: std::time::Duration = std::time::Duration::from_millis(250);

/// Asks the terminal which graphics protocol it speaks and its cell size in pixels, then
/// picks kitty, else sixel, else iTerm2 (known from the environment: that protocol has no
/// query). Only where the environment names a terminal that may draw images (so a plain
/// terminal, a pipe or a test harness is never queried), and only on a terminal on both
/// stdin and stdout. The query ends with a status request every terminal answers; reading
/// stops at its answer or after `QUERY_DEADLINE`, with `poll`, so a terminal that does not
/// answer costs that much once and never blocks a thread. `None`: no pictures.
#[cfg(unix)]
pub fn query_terminal() -> Option<Picker> {
    use ratatui_image::picker::cap_parser::{Parser, QueryStdioOptions, Response};
    use std::io::Write;

    let env = |name: &str| std::env::var(name).unwrap_or_default();
    if !may_draw_images(&env) {
        return None;
    }
    // SAFETY: `isatty` only inspects the descriptors.
    if unsafe { libc::isatty(0) != 1 || libc::isatty(1) != 1 } {
        return None;
    }
    // Knows tmux from the environment (and lets images pass through it).
    let is_tmux = Picker::halfblocks().tmux_detected();
    let mut options = QueryStdioOptions {
        timeout: QUERY_DEADLINE,
        ..QueryStdioOptions::default()
    };
    let wezterm_or_konsole =
        !env("WEZTERM_EXECUTABLE").is_empty() || !env("KONSOLE_VERSION").is_empty();
    if wezterm_or_konsole {
        // Both answer the kitty and sixel queries but draw neither well: iTerm2 it is.
        options.blacklist_protocols = vec![ProtocolType::Kitty, ProtocolType::Sixel];
    }
    let query = Parser::query(is_tmux, options);
    let mut out = std::io::stdout();
    if out
        .write_all(query.as_bytes())
        .and_then(|_| out.flush())
        .is_err()
    {
        return None;
    }
    let mut parser = Parser::new();
    let mut responses = Vec::new();
    let deadline = std::time::Instant::now() + QUERY_DEADLINE;
    'read: loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            break;
        }
        let mut fds = libc::pollfd {
            fd: 0,
            events: libc::POLLIN,
            revents: 0,
        };
        let ms = left.as_millis().clamp(1, 1000) as libc::c_int;
        // SAFETY: one valid pollfd, for the length given.
        let ready = unsafe { libc::poll(&mut fds, 1, ms) };
        if ready <= 0 {
            if ready < 0
                && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted
            {
                continue;
            }
            break;
        }
        let mut buf = [0u8; 256];
        // SAFETY: reads at most `buf.len()` bytes into `buf`.
        let n = unsafe { libc::read(0, buf.as_mut_ptr().cast(), buf.len()) };
        if n <= 0 {
            break;
        }
        for &b in &buf[..n as usize] {
            for response in parser.push(char::from(b)) {
                if response == Response::Status {
                    break 'read;
                }
                responses.push(response);
            }
        }
    }
    let mut protocol = None;
    let mut cell = None;
    for response in &responses {
        match response {
            Response::Kitty => protocol = Some(ProtocolType::Kitty),
            Response::Sixel if protocol.is_none() => protocol = Some(ProtocolType::Sixel),
            Response::CellSize(Some((w, h))) if *w > 0 && *h > 0 => cell = Some((*w, *h)),
            _ => {}
        }
    }
    let protocol = protocol.or_else(|| iterm2_from_env(&env))?;
    let (w, h) = cell.or_else(cell_size_from_window)?;
    #[allow(deprecated)] // The one constructor that takes a known cell size.
    let mut picker = Picker::from_fontsize(FontSize::new(w, h));
    picker.set_protocol_type(protocol);
    Some(picker)
}

/// No query on other platforms: `images = "halfblocks"` still works.
#[cfg(not(unix))]
pub fn query_terminal() -> Option<Picker> {
    None
}

/// Whether the environment names a terminal (or multiplexer) that may draw images: kitty,
/// Ghostty, WezTerm, iTerm2, foot, mlterm, Konsole, xterm, Contour, Windows Terminal, VS Code,
/// mintty, Rio, Warp, Tabby, Hyper, recent VTE terminals, or tmux in front of one of them.
fn may_draw_images(env: &dyn Fn(&str) -> String) -> bool {
    let term = env("TERM").to_ascii_lowercase();
    let program = env("TERM_PROGRAM").to_ascii_lowercase();
    let by_term = [
        "kitty", "ghostty", "foot", "mlterm", "wezterm", "contour", "yaft", "tmux",
    ]
    .iter()
    .any(|t| term.contains(t));
    let by_program = [
        "iterm", "wezterm", "ghostty", "vscode", "mintty", "rio", "warp", "tabby", "hyper", "tmux",
        "kitty",
    ]
    .iter()
    .any(|p| program.contains(p));
    let by_marker = [
        "KITTY_WINDOW_ID",
        "GHOSTTY_RESOURCES_DIR",
        "WEZTERM_EXECUTABLE",
        "ITERM_SESSION_ID",
        "KONSOLE_VERSION",
        "XTERM_VERSION",
        "MLTERM",
        "WT_SESSION",
        "TMUX",
    ]
    .iter()
    .any(|m| !env(m).is_empty());
    // VTE 0.76 and later draw sixels (GNOME Terminal, Ptyxis...).
    let vte = env("VTE_VERSION").parse::<u32>().is_ok_and(|v| v >= 7600);
    by_term || by_program || by_marker || vte || env("LC_TERMINAL").contains("iTerm")
}

/// Terminals that draw iTerm2 images but do not say so when asked.
fn iterm2_from_env(env: &dyn Fn(&str) -> String) -> Option<ProtocolType> {
    let program = env("TERM_PROGRAM");
    let known = [
        "iTerm",
        "WezTerm",
        "mintty",
        "vscode",
        "Tabby",
        "Hyper",
        "rio",
        "WarpTerminal",
    ];
    (known.iter().any(|k| program.contains(k)) || env("LC_TERMINAL").contains("iTerm"))
        .then_some(ProtocolType::Iterm2)
}

/// The cell size from the window's size in pixels, when the terminal reports it.
#[cfg(unix)]
fn cell_size_from_window() -> Option<(u16, u16)> {
    let size = crossterm::terminal::window_size().ok()?;
    if size.width == 0 || size.height == 0 || size.columns == 0 || size.rows == 0 {
        return None;
    }
    Some((size.width / size.columns, size.height / size.rows)).filter(|(w, h)| *w > 0 && *h > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> String {
        move |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
                .unwrap_or_default()
        }
    }

    #[test]
    fn plain_terminals_are_never_queried() {
        assert!(!may_draw_images(&env_of(&[("TERM", "xterm-256color")])));
        assert!(!may_draw_images(&env_of(&[("TERM", "linux")])));
        assert!(!may_draw_images(&env_of(&[])));
        assert!(!may_draw_images(&env_of(&[("VTE_VERSION", "6800")])));
    }

    #[test]
    fn graphics_terminals_are_recognised() {
        assert!(may_draw_images(&env_of(&[("TERM", "xterm-kitty")])));
        assert!(may_draw_images(&env_of(&[("TERM", "foot")])));
        assert!(may_draw_images(&env_of(&[("TERM_PROGRAM", "iTerm.app")])));
        assert!(may_draw_images(&env_of(&[
            ("TERM", "xterm-256color"),
            ("WT_SESSION", "x")
        ])));
        assert!(may_draw_images(&env_of(&[("VTE_VERSION", "7800")])));
    }

    #[test]
    fn iterm2_only_from_terminals_that_draw_it() {
        assert_eq!(
            iterm2_from_env(&env_of(&[("TERM_PROGRAM", "WezTerm")])),
            Some(ProtocolType::Iterm2)
        );
        assert_eq!(
            iterm2_from_env(&env_of(&[("TERM_PROGRAM", "Apple_Terminal")])),
            None
        );
    }

    #[test]
    fn off_never_asks_the_terminal() {
        assert!(!Pictures::detect(ImagesMode::Off).enabled());
        let half = Pictures::detect(ImagesMode::Halfblocks);
        assert_eq!(half.protocol(), Some("half blocks"));
    }
}
