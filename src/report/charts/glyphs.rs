//! The embedded font's glyphs, each measured and rasterized once per thread, weight and size.
//!
//! plotters lays out and rasterizes every string from scratch, and the even spacing of
//! [`super::canvas::text`] needs the pen position after every character: asked of plotters,
//! that measured each prefix of each string and rasterized every digit of every label again,
//! about a third of the charts' drawing time. The widths and ink here are computed exactly as
//! plotters 0.3.7 computes them with `ab_glyph`, so the charts are the same to the pixel.

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;
use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, GlyphId, PxScaleFont, ScaleFont};
use plotters::style::{FontDesc, FontStyle};

use super::canvas::Drawn;

/// One character at one weight and size.
pub(super) struct Glyph {
    c: char,
    id: GlyphId,
    advance: f32,
    /// Rasterized when first drawn: most sizes a title is tried at are only measured.
    ink: OnceCell<Ink>,
}

impl Glyph {
    /// Its ink, if it has been rasterized (by [`Face::ink`]).
    pub(super) fn drawn(&self) -> Option<&Ink> {
        self.ink.get()
    }
}

/// The weight of an ink pixel that replaces the pixel under it.
pub(super) const OPAQUE: u16 = 256;

/// What plotters draws for a character alone at the origin.
pub(super) struct Ink {
    /// `(x, y, weight)` of each inked pixel, from the pen at the top of the text line: the
    /// pixel takes the text's colour where `weight` is [`OPAQUE`], else moves `weight` / 256 of
    /// the way towards it, which is how plotters 0.3.7 draws a pixel of the glyph's coverage.
    pub(super) pixels: Vec<(i32, i32, u16)>,
    /// The leftmost and rightmost inked columns; `None` for a space.
    pub(super) columns: Option<(i32, i32)>,
    /// The top and bottom inked rows; `None` for a space.
    pub(super) rows: Option<(i32, i32)>,
}

/// Hashes the glyph cache's keys with a multiply and a rotation per word: its keys are a few
/// small numbers chosen by the program, for which the standard library's `SipHash`, built to
/// resist chosen keys, was a tenth of the time text took.
#[derive(Default)]
struct QuickHasher(u64);

impl Hasher for QuickHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.write_u64(u64::from(*byte));
        }
    }

    fn write_u64(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn write_u32(&mut self, word: u32) {
        self.write_u64(u64::from(word));
    }

    fn write_u8(&mut self, byte: u8) {
        self.write_u64(u64::from(byte));
    }
}

/// The glyphs of every weight (bold or not) and size (its bits) drawn on this thread.
type Glyphs = HashMap<(bool, u64, char), Rc<Glyph>, BuildHasherDefault<QuickHasher>>;

/// The embedded font at one weight and size.
pub(super) struct Face {
    font: PxScaleFont<&'static FontRef<'static>>,
    key: (bool, u64),
}

impl Face {
    /// The embedded font at `desc`'s size, bold or regular (plotters' fallback for any other
    /// style).
    pub(super) fn of(desc: &FontDesc) -> Drawn<Face> {
        static FACES: OnceLock<Option<[FontRef<'static>; 2]>> = OnceLock::new();
        let bold = matches!(desc.get_style(), FontStyle::Bold);
        let faces = FACES.get_or_init(|| {
            let regular = FontRef::try_from_slice(dejavu::sans::regular()).ok()?;
            let bold = FontRef::try_from_slice(dejavu::sans::bold()).ok()?;
            Some([regular, bold])
        });
        let faces = faces
            .as_ref()
            .ok_or("the embedded DejaVu Sans font is unreadable")?;
        #[allow(
            clippy::cast_possible_truncation,
            reason = "font sizes are small; plotters makes the same cast"
        )]
        let size = desc.get_size() as f32;
        Ok(Face {
            font: faces[usize::from(bold)].as_scaled(size),
            key: (bold, desc.get_size().to_bits()),
        })
    }

    /// Character `c`, from this thread's cache.
    pub(super) fn glyph(&self, c: char) -> Rc<Glyph> {
        thread_local! {
            static GLYPHS: RefCell<Glyphs> = RefCell::new(HashMap::default());
        }
        let key = (self.key.0, self.key.1, c);
        if let Some(glyph) = GLYPHS.with_borrow(|glyphs| glyphs.get(&key).cloned()) {
            return glyph;
        }
        let id = self.font.glyph_id(c);
        let glyph = Rc::new(Glyph {
            c,
            id,
            advance: self.font.h_advance(id),
            ink: OnceCell::new(),
        });
        GLYPHS.with_borrow_mut(|glyphs| glyphs.insert(key, Rc::clone(&glyph)));
        glyph
    }

    /// The ink of `glyph`, one of this face's.
    pub(super) fn ink<'g>(&self, glyph: &'g Glyph) -> &'g Ink {
        glyph.ink.get_or_init(|| self.rasterize(glyph.c))
    }

    /// What plotters draws for `c` alone at the origin.
    fn rasterize(&self, c: char) -> Ink {
        let font = &self.font;
        let mut pixels = Vec::new();
        if let Some(outline) = font.outline_glyph(font.scaled_glyph(c)) {
            #[allow(
                clippy::cast_possible_truncation,
                reason = "pixel offsets, truncated as plotters truncates them"
            )]
            let shift = (font.scale().y / 2.0 + outline.px_bounds().min.y) as i32;
            outline.draw(|x, y, coverage| {
                let (x, y) = (i32::try_from(x), i32::try_from(y));
                if let (Ok(x), Ok(y)) = (x, y) {
                    pixels.push((x, y + shift, coverage));
                }
            });
        }
        // The ink's extent counts every pixel the rasterizer visits, as plotters' does.
        let span = |axis: fn(&(i32, i32, f32)) -> i32| {
            let values = pixels.iter().map(axis);
            values.clone().min().zip(values.max())
        };
        let weight = |coverage: f32| {
            let alpha = f64::from(coverage);
            if alpha >= 1.0 - 1.0 / 256.0 {
                OPAQUE
            } else {
                #[allow(
                    clippy::cast_possible_truncation,
                    clippy::cast_sign_loss,
                    reason = "under 1: the floor of 256 times it, below 256 (0 if negative)"
                )]
                let weight = (alpha.max(0.0) * 256.0) as u16;
                weight
            }
        };
        Ink {
            columns: span(|p| p.0),
            rows: span(|p| p.1),
            pixels: pixels
                .iter()
                .map(|&(x, y, coverage)| (x, y, weight(coverage)))
                .filter(|&(_, _, weight)| weight > 0)
                .collect(),
        }
    }

    /// The pen's position before each character of `text` and after the last, in pixels from
    /// its start: each one plotters' width of the text before it (advances and kerning,
    /// truncated).
    pub(super) fn pens(&self, text: &str) -> Vec<i32> {
        let mut pens = Vec::with_capacity(text.len() + 1);
        pens.push(0);
        let mut x = 0f32;
        let mut previous = None;
        for c in text.chars() {
            let glyph = self.glyph(c);
            x += glyph.advance;
            if let Some(previous) = previous {
                x += self.font.kern(previous, glyph.id);
            }
            previous = Some(glyph.id);
            #[allow(
                clippy::cast_possible_truncation,
                reason = "a width in pixels, truncated as plotters truncates it"
            )]
            pens.push(x as i32);
        }
        pens
    }

    /// The width of `text` in pixels, as plotters measures it.
    pub(super) fn width(&self, text: &str) -> i32 {
        self.pens(text).last().copied().unwrap_or(0)
    }
}
