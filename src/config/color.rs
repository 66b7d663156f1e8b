//! Colours as written in the config ("red", "bright-blue", "#ff8800", 208), independent of any
//! terminal library: the UI maps them to ratatui, the headless CLI to ANSI escapes.

/// A colour for highlight styles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Color {
    /// One of the 16 standard terminal colours (the terminal's palette decides the shade).
    Named(NamedColor),
    /// An entry of the 256-colour palette.
    Indexed(u8),
    /// A 24-bit colour.
    Rgb(u8, u8, u8),
}

/// The 16 standard terminal colours. Names follow ratatui: `Gray` is ANSI 7 (what terminals
/// call "white"), `DarkGray` is ANSI 8 and `White` is ANSI 15 (bright white).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NamedColor {
    Black,
    Red,
    Green,
    Yellow,
    Blue,
    Magenta,
    Cyan,
    Gray,
    DarkGray,
    BrightRed,
    BrightGreen,
    BrightYellow,
    BrightBlue,
    BrightMagenta,
    BrightCyan,
    White,
}

impl NamedColor {
    /// The colour's index in the ANSI palette (0-15).
    pub fn ansi_index(self) -> u8 {
        use NamedColor::*;
        match self {
            Black => 0,
            Red => 1,
            Green => 2,
            Yellow => 3,
            Blue => 4,
            Magenta => 5,
            Cyan => 6,
            Gray => 7,
            DarkGray => 8,
            BrightRed => 9,
            BrightGreen => 10,
            BrightYellow => 11,
            BrightBlue => 12,
            BrightMagenta => 13,
            BrightCyan => 14,
            White => 15,
        }
    }

    /// Looks a colour name up: case-insensitive, `-`, `_` and spaces are interchangeable,
    /// `light-` is an alias of `bright-`, `grey` of `gray`.
    pub fn from_name(name: &str) -> Option<NamedColor> {
        use NamedColor::*;
        let key: String = name
            .trim()
            .chars()
            .filter(|c| !matches!(c, '-' | '_' | ' '))
            .flat_map(char::to_lowercase)
            .collect();
        let key = key.replace("grey", "gray");
        let key = key.strip_prefix("light").map_or(key.clone(), |rest| {
            // "light-gray" is plain gray; every other "light-x" is "bright-x".
            if rest == "gray" {
                rest.to_string()
            } else {
                format!("bright{rest}")
            }
        });
        Some(match key.as_str() {
            "black" => Black,
            "red" => Red,
            "green" => Green,
            "yellow" => Yellow,
            "blue" => Blue,
            "magenta" => Magenta,
            "cyan" => Cyan,
            "gray" => Gray,
            "darkgray" | "brightblack" => DarkGray,
            "brightred" => BrightRed,
            "brightgreen" => BrightGreen,
            "brightyellow" => BrightYellow,
            "brightblue" => BrightBlue,
            "brightmagenta" => BrightMagenta,
            "brightcyan" => BrightCyan,
            "white" | "brightwhite" => White,
            _ => return None,
        })
    }
}

/// What a colour may look like, for error messages.
pub(crate) const COLOR_EXPECTED: &str = "a colour name (black, red, green, yellow, blue, magenta, \
     cyan, white, gray, dark-gray, bright-red ... bright-white), \"#rrggbb\", or a palette index \
     0-255";

impl Color {
    /// Parses a colour written as a name, `#rrggbb` (or `#rgb`), or a palette index as text.
    pub fn parse(text: &str) -> Result<Color, String> {
        let s = text.trim();
        let fail = || format!("invalid colour \"{text}\": expected {COLOR_EXPECTED}");
        if let Some(hex) = s.strip_prefix('#') {
            return parse_hex(hex).ok_or_else(fail);
        }
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            return s.parse().map(Color::Indexed).map_err(|_| fail());
        }
        NamedColor::from_name(s).map(Color::Named).ok_or_else(fail)
    }

    /// A palette index written as a TOML integer.
    pub fn from_index(n: i64) -> Result<Color, String> {
        u8::try_from(n)
            .map(Color::Indexed)
            .map_err(|_| format!("invalid colour {n}: palette indices go from 0 to 255"))
    }
}

fn parse_hex(hex: &str) -> Option<Color> {
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let channel = |s: &str| u8::from_str_radix(s, 16).ok();
    match hex.len() {
        6 => Some(Color::Rgb(
            channel(&hex[0..2])?,
            channel(&hex[2..4])?,
            channel(&hex[4..6])?,
        )),
        3 => {
            let short = |i: usize| channel(&hex[i..i + 1]).map(|v| v * 17);
            Some(Color::Rgb(short(0)?, short(1)?, short(2)?))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aliases() {
        let named = |s| Color::parse(s).unwrap();
        assert_eq!(named("red"), Color::Named(NamedColor::Red));
        assert_eq!(named("Bright-Blue"), Color::Named(NamedColor::BrightBlue));
        assert_eq!(named("light_red"), Color::Named(NamedColor::BrightRed));
        assert_eq!(named("grey"), Color::Named(NamedColor::Gray));
        assert_eq!(named("light-grey"), Color::Named(NamedColor::Gray));
        assert_eq!(named("dark-gray"), Color::Named(NamedColor::DarkGray));
        assert_eq!(named("bright-white"), Color::Named(NamedColor::White));
        assert_eq!(NamedColor::BrightCyan.ansi_index(), 14);
    }

    #[test]
    fn hex_and_indexed() {
        assert_eq!(Color::parse("#ff8800"), Ok(Color::Rgb(255, 136, 0)));
        assert_eq!(Color::parse("#F80"), Ok(Color::Rgb(255, 136, 0)));
        assert_eq!(Color::parse("208"), Ok(Color::Indexed(208)));
        assert_eq!(Color::from_index(208), Ok(Color::Indexed(208)));
        assert!(Color::from_index(256).unwrap_err().contains("0 to 255"));
        assert!(Color::from_index(-1).is_err());
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "purple-ish",
            "#12345",
            "#gg0000",
            "256",
            "#ff88000",
            "lightpink",
        ] {
            let err = Color::parse(bad).unwrap_err();
            assert!(err.starts_with("invalid colour"), "{bad}: {err}");
        }
    }
}
