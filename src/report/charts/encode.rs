//! A PNG encoder that takes an image a band of rows at a time, so that a tall image (the
//! tearsheet) is drawn and encoded band by band in a buffer the size of one band.
//!
//! A whole-image buffer cost as much as drawing into it: a 1600 × 3600 tearsheet is 17 MB,
//! whose first touch is thousands of page faults. The `png` crate streams rows only through a
//! slower deflate than the one it uses for whole images, so this writes the few chunks itself:
//! every row Paeth-filtered (the filter that suits charts' flat colours and straight edges
//! best), compressed by `fdeflate` as `png`'s fast setting is.

use std::io::{self, Write};

/// Writes an RGB image of known size, given its rows from top to bottom in any number of
/// bands.
pub(super) struct Encoder<W: Write> {
    compressor: fdeflate::Compressor<Chunks<W>>,
    /// The row before the next one (zeros above the first), raw.
    previous: Vec<u8>,
    /// The next row filtered, its filter type first.
    filtered: Vec<u8>,
}

impl<W: Write> Encoder<W> {
    /// Writes the signature and the header of a `width` × `height` RGB image to `out`.
    pub(super) fn new(mut out: W, (width, height): (u32, u32)) -> io::Result<Self> {
        out.write_all(b"\x89PNG\r\n\x1a\n")?;
        let mut header = Vec::with_capacity(13);
        header.extend_from_slice(&width.to_be_bytes());
        header.extend_from_slice(&height.to_be_bytes());
        // 8 bits per sample, RGB, deflate, adaptive filtering, no interlace.
        header.extend_from_slice(&[8, 2, 0, 0, 0]);
        chunk(&mut out, *b"IHDR", &header)?;
        let row = width as usize * PIXEL;
        Ok(Encoder {
            compressor: fdeflate::Compressor::new(Chunks {
                out,
                pending: Vec::with_capacity(CHUNK),
            })?,
            previous: vec![0; row],
            filtered: vec![0; row + 1],
        })
    }

    /// Adds whole rows of RGB pixels.
    pub(super) fn rows(&mut self, pixels: &[u8]) -> io::Result<()> {
        for row in pixels.chunks_exact(self.previous.len()) {
            self.filtered[0] = PAETH;
            paeth(row, &self.previous, &mut self.filtered[1..]);
            self.compressor.write_data(&self.filtered)?;
            self.previous.copy_from_slice(row);
        }
        Ok(())
    }

    /// Ends the image, once every row has been given.
    pub(super) fn finish(self) -> io::Result<W> {
        let mut chunks = self.compressor.finish()?;
        chunks.flush_chunk()?;
        chunk(&mut chunks.out, *b"IEND", &[])?;
        Ok(chunks.out)
    }
}

/// Bytes per pixel: RGB.
const PIXEL: usize = 3;
/// The filter type byte of a Paeth-filtered row.
const PAETH: u8 = 4;
/// Bytes filtered together; a whole block equal to the row above it (and so is the pixel to
/// its left) filters to zeros, which is most of a chart's white background.
const BLOCK: usize = 32;

/// `row` Paeth-filtered against `above` into `out`. The first pixel has nothing to its left
/// (zeros), which makes its predictor the byte above.
#[allow(
    clippy::many_single_char_names,
    reason = "the PNG specification's names for a byte and its neighbours"
)]
fn paeth(row: &[u8], above: &[u8], out: &mut [u8]) {
    let (first, rest) = out.split_at_mut(PIXEL);
    for ((out, x), b) in first.iter_mut().zip(row).zip(above) {
        *out = x.wrapping_sub(*b);
    }
    // Byte i of `rest` is predicted from its left (a), above (b) and upper-left (c) neighbours.
    let n = rest.len();
    let (x, a) = (&row[PIXEL..], &row[..n]);
    let (b, c) = (&above[PIXEL..], &above[..n]);
    let mut outs = rest.chunks_exact_mut(BLOCK);
    let blocks = x
        .chunks_exact(BLOCK)
        .zip(a.chunks_exact(BLOCK))
        .zip(b.chunks_exact(BLOCK).zip(c.chunks_exact(BLOCK)));
    for (out, ((x, a), (b, c))) in (&mut outs).zip(blocks) {
        if x == b && a == c {
            out.fill(0);
        } else {
            for i in 0..BLOCK {
                out[i] = x[i].wrapping_sub(predict(a[i], b[i], c[i]));
            }
        }
    }
    let tail = n - n % BLOCK;
    for (i, out) in (tail..).zip(outs.into_remainder()) {
        *out = x[i].wrapping_sub(predict(a[i], b[i], c[i]));
    }
}

/// The Paeth predictor of the PNG specification: whichever of left (`a`), above (`b`) and
/// upper-left (`c`) is closest to a + b − c, preferring them in that order on ties. Computed
/// on bytes alone, as FPNGE does, so that the compiler can predict many bytes at once: the
/// distances to a and b are |b − c| and |a − c|, and the distance to c is their difference
/// when c lies between a and b, and larger than both otherwise.
#[inline]
#[allow(
    clippy::needless_bitwise_bool,
    reason = "both sides are cheap, and a branch would keep the loop from vectorizing"
)]
fn predict(a: u8, b: u8, c: u8) -> u8 {
    let pa = b.abs_diff(c);
    let pb = a.abs_diff(c);
    let between = (a < c) == (c < b);
    let pc = if between { pa.abs_diff(pb) } else { u8::MAX };
    let nearest_of_b_and_c = if pb <= pc { b } else { c };
    if (pa <= pb) & (pa <= pc) {
        a
    } else {
        nearest_of_b_and_c
    }
}

/// Compressed data is cut into IDAT chunks of this many bytes.
const CHUNK: usize = 1 << 16;

/// The compressed stream, written as IDAT chunks.
struct Chunks<W: Write> {
    out: W,
    pending: Vec<u8>,
}

impl<W: Write> Chunks<W> {
    fn flush_chunk(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            chunk(&mut self.out, *b"IDAT", &self.pending)?;
            self.pending.clear();
        }
        Ok(())
    }
}

impl<W: Write> Write for Chunks<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(data);
        if self.pending.len() >= CHUNK {
            self.flush_chunk()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// One PNG chunk: length, type, data and the CRC of type and data.
fn chunk(out: &mut impl Write, kind: [u8; 4], data: &[u8]) -> io::Result<()> {
    let length = u32::try_from(data.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "PNG chunk over 4 GB"))?;
    let mut crc = crc32fast::Hasher::new();
    crc.update(&kind);
    crc.update(data);
    out.write_all(&length.to_be_bytes())?;
    out.write_all(&kind)?;
    out.write_all(data)?;
    out.write_all(&crc.finalize().to_be_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The predictor as the PNG specification writes it.
    fn specified(a: u8, b: u8, c: u8) -> u8 {
        let (a16, b16, c16) = (i16::from(a), i16::from(b), i16::from(c));
        let p = a16 + b16 - c16;
        let (pa, pb, pc) = ((p - a16).abs(), (p - b16).abs(), (p - c16).abs());
        if pa <= pb && pa <= pc {
            a
        } else if pb <= pc {
            b
        } else {
            c
        }
    }

    #[test]
    fn the_predictor_is_the_specifications_for_every_byte_triple() {
        for a in 0..=255 {
            for b in 0..=255 {
                for c in 0..=255 {
                    assert_eq!(predict(a, b, c), specified(a, b, c), "{a} {b} {c}");
                }
            }
        }
    }

    #[test]
    fn a_row_filters_as_the_specification_says_with_and_without_the_flat_shortcut() {
        // White rows with marks in different places: blocks equal to the row above, a block
        // equal to it whose left neighbour is not (pixel 10, just left of the second block),
        // blocks that differ, and a tail shorter than a block.
        let width = 50;
        let mut above = vec![255u8; width * PIXEL];
        let mut row = above.clone();
        above[120..126].copy_from_slice(&[31, 119, 180, 31, 119, 180]);
        row[30..33].copy_from_slice(&[100, 100, 100]);
        row[90..96].copy_from_slice(&[255, 127, 14, 250, 130, 20]);
        let mut out = vec![0; row.len()];
        paeth(&row, &above, &mut out);
        for (i, filtered) in out.iter().enumerate() {
            let left = |r: &[u8]| if i >= PIXEL { r[i - PIXEL] } else { 0 };
            let predicted = specified(left(&row), above[i], left(&above));
            assert_eq!(*filtered, row[i].wrapping_sub(predicted), "byte {i}");
        }
    }
}
