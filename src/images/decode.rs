//! Decoding image bytes (PNG, JPEG, GIF's first frame, WebP) and shrinking the result to fit
//! a pixel box. CPU work: callers run it on a blocking thread, never on the UI thread.
//! Dimensions and memory are capped, so a hostile file cannot exhaust memory.

use std::fmt;
use std::io::Cursor;
use std::sync::Arc;

use image::{ImageReader, RgbaImage};

use super::ImageError;

/// Widest or tallest image decoded, in pixels.
const MAX_SIDE: u32 = 16_384;
/// Most memory one decode may allocate.
const MAX_ALLOC: u64 = 256 * 1024 * 1024;

/// Decoded pixels, at most the asked box, and the size the image has at full scale.
#[derive(Clone)]
pub struct DecodedImage {
    pub pixels: Arc<RgbaImage>,
    /// Width and height of the image as published, before shrinking.
    pub natural: (u32, u32),
}

impl DecodedImage {
    pub fn width(&self) -> u32 {
        self.pixels.width()
    }

    pub fn height(&self) -> u32 {
        self.pixels.height()
    }
}

impl fmt::Debug for DecodedImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "DecodedImage({}x{} of {}x{})",
            self.width(),
            self.height(),
            self.natural.0,
            self.natural.1
        )
    }
}

impl PartialEq for DecodedImage {
    fn eq(&self, other: &DecodedImage) -> bool {
        self.natural == other.natural
            && (Arc::ptr_eq(&self.pixels, &other.pixels) || self.pixels == other.pixels)
    }
}

/// Decodes `bytes` (the format is recognised from the content, not a name) and shrinks the
/// image to fit `max_width` x `max_height`, keeping its aspect. Never enlarges.
pub fn decode(bytes: &[u8], max_width: u32, max_height: u32) -> Result<DecodedImage, ImageError> {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ImageError::Decode(e.to_string()))?;
    if reader.format().is_none() {
        return Err(ImageError::Decode(not_an_image(bytes)));
    }
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    let mut reader = reader;
    reader.limits(limits);
    let image = reader
        .decode()
        .map_err(|e| ImageError::Decode(e.to_string()))?;
    let natural = (image.width(), image.height());
    let (w, h) = (max_width.max(1), max_height.max(1));
    let image = if natural.0 > w || natural.1 > h {
        // `thumbnail` averages the pixels it merges: sharp enough for a terminal and much
        // faster than a windowed filter on large photos.
        image.thumbnail(w, h)
    } else {
        image
    };
    Ok(DecodedImage {
        pixels: Arc::new(image.into_rgba8()),
        natural,
    })
}

/// What the bytes look like instead, for the message.
fn not_an_image(bytes: &[u8]) -> String {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(256)]).to_ascii_lowercase();
    if head.trim_start().starts_with("<svg") || head.contains("<svg") {
        "SVG is not supported".to_string()
    } else if head.contains("<html") || head.contains("<!doctype") {
        "a web page, not an image".to_string()
    } else {
        "unknown format".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageFormat, Rgba};

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = RgbaImage::from_pixel(w, h, Rgba([200, 30, 30, 255]));
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn shrinks_to_the_box_keeping_the_aspect() {
        let d = decode(&png(400, 200), 100, 100).unwrap();
        assert_eq!((d.width(), d.height()), (100, 50));
        assert_eq!(d.natural, (400, 200));
    }

    #[test]
    fn never_enlarges() {
        let d = decode(&png(40, 20), 400, 400).unwrap();
        assert_eq!((d.width(), d.height()), (40, 20));
    }

    #[test]
    fn names_what_is_not_an_image() {
        let e = decode(b"<svg xmlns='http://www.w3.org/2000/svg'/>", 10, 10).unwrap_err();
        assert_eq!(e, ImageError::Decode("SVG is not supported".into()));
        let e = decode(b"<!DOCTYPE html><html>", 10, 10).unwrap_err();
        assert_eq!(e, ImageError::Decode("a web page, not an image".into()));
        let mut broken = png(10, 10);
        broken.truncate(40);
        assert!(matches!(
            decode(&broken, 10, 10),
            Err(ImageError::Decode(_))
        ));
    }
}
