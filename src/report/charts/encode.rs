//! PNG writing in parts: rows of an image are filtered and compressed into [`Part`]s that
//! decode the same wherever they are put in a stream, so that the tearsheet is written from
//! the single charts' compressed rows rather than by drawing and compressing them a second
//! time (that was nearly half of the time all the charts of a run took).
//!
//! The compression is fdeflate's, what the `png` crate uses for its fast setting, with the
//! same Huffman code: deflate blocks whose code, fixed in advance, suits filtered rows (short
//! codes for small differences), and runs of zero bytes as matches at distance 1. Neither looks
//! back past the start of a part, and each part is whole blocks ending on a byte boundary (an
//! empty stored block after the last, as zlib's sync flush does), so parts are put one after
//! another as they are. Each part's first row is filtered as if nothing were above it, and its
//! checksum is combined with the others' arithmetically.

use std::io::{self, Write};

use simd_adler32::Adler32;

/// Filters and compresses the rows of an RGB image, one part after another.
pub(super) struct Compressor {
    /// The row above the next one, raw: zeros above the first row of a part.
    above: Vec<u8>,
    /// The next row filtered, its filter type first.
    filtered: Vec<u8>,
    /// The part being compressed: its blocks so far, the checksum of its filtered rows, how many
    /// filtered bytes and rows it holds.
    bits: Bits,
    checksum: Adler32,
    bytes: u64,
    rows: u32,
}

impl Compressor {
    /// A compressor for rows `width` pixels wide.
    pub(super) fn new(width: u32) -> Self {
        let row = width as usize * PIXEL;
        Compressor {
            above: vec![0; row],
            filtered: vec![0; row + 1],
            bits: Bits::block(),
            checksum: Adler32::new(),
            bytes: 0,
            rows: 0,
        }
    }

    /// Adds whole rows of RGB pixels to the current part.
    pub(super) fn rows(&mut self, pixels: &[u8]) {
        // Room for the rows compressed to a quarter, more than charts need: reserved, not
        // touched, it costs nothing, where growing step by step copied and touched twice as
        // much memory (fresh pages are costly: each is a page fault).
        self.bits.bytes.reserve(pixels.len() / 4);
        for row in pixels.chunks_exact(self.above.len()) {
            let length = self.filtered.len() as u64;
            if self.rows > 0 && row == self.above.as_slice() {
                // A row like the one above (a third of a chart's rows: margins, gaps between
                // text) filters to zeros after its filter type: put as such, without filtering
                // or looking at it again. Its checksum: a = 1 + 4 and b = a per byte.
                self.bits.literal(PAETH);
                self.bits.zeros(self.above.len());
                let a = 1 + u64::from(PAETH);
                let row_checksum = u32::try_from((a * length % BASE) << 16 | a).unwrap_or(0);
                let so_far = self.checksum.finish();
                let checksum = combine(so_far, row_checksum, length);
                self.checksum = Adler32::from_checksum(checksum);
            } else {
                // Paeth against the zeros above a part's first row predicts the byte to the
                // left: it is the Sub filter, which needs no row above.
                self.filtered[0] = if self.rows == 0 { SUB } else { PAETH };
                paeth(row, &self.above, &mut self.filtered[1..]);
                self.checksum.write(&self.filtered);
                self.bits.compress(&self.filtered);
                self.above.copy_from_slice(row);
            }
            self.bytes += length;
            self.rows += 1;
        }
    }

    /// Ends the current part and returns it; the next row starts a new one.
    pub(super) fn part(&mut self) -> Part {
        self.above.fill(0);
        let mut bits = std::mem::replace(&mut self.bits, Bits::block());
        bits.put(u64::from(CODES[END_OF_BLOCK]), LENGTHS[END_OF_BLOCK]);
        // An empty stored block, not the last: its 3 header bits, the rest of the byte, and
        // its length 0 and the length's complement.
        bits.put(0, 3);
        let mut deflate = bits.into_bytes();
        deflate.extend_from_slice(&[0, 0, 0xff, 0xff]);
        Part {
            deflate,
            checksum: std::mem::take(&mut self.checksum).finish(),
            bytes: std::mem::take(&mut self.bytes),
            rows: std::mem::take(&mut self.rows),
        }
    }
}

/// Rows compressed on their own (see the module's documentation).
#[derive(Debug)]
pub(super) struct Part {
    /// Whole deflate blocks, none the last, ending on a byte boundary.
    deflate: Vec<u8>,
    /// The Adler-32 checksum of the filtered rows, as zlib needs it.
    checksum: u32,
    /// How many filtered bytes (filter type bytes included) the part holds.
    bytes: u64,
    /// How many rows.
    rows: u32,
}

/// Writes a PNG of RGB rows `width` pixels wide to `out`: the rows of `parts`, one part after
/// another, in one IDAT chunk, each part's bytes written as they are.
pub(super) fn write_png(mut out: impl Write, width: u32, parts: &[&Part]) -> io::Result<()> {
    let height: u32 = parts.iter().map(|part| part.rows).sum();
    out.write_all(b"\x89PNG\r\n\x1a\n")?;
    let mut header = Vec::with_capacity(13);
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    // 8 bits per sample, RGB, deflate, adaptive filtering, no interlace.
    header.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, *b"IHDR", &header)?;
    let checksum = parts.iter().fold(1, |sum, part| {
        combine(sum, part.checksum, part.bytes) // from 1, the checksum of nothing
    });
    // After the parts, the last block: fixed codes, nothing but the end of the block.
    let mut end = vec![0x03, 0x00];
    end.extend_from_slice(&checksum.to_be_bytes());
    let pieces = std::iter::once(ZLIB_HEADER.as_slice())
        .chain(parts.iter().map(|part| part.deflate.as_slice()))
        .chain(std::iter::once(end.as_slice()));
    let length: usize = pieces.clone().map(<[u8]>::len).sum();
    let length = u32::try_from(length).map_err(|_| too_large())?;
    out.write_all(&length.to_be_bytes())?;
    let mut crc = crc32fast::Hasher::new();
    for piece in std::iter::once(b"IDAT".as_slice()).chain(pieces) {
        out.write_all(piece)?;
        crc.update(piece);
    }
    out.write_all(&crc.finalize().to_be_bytes())?;
    chunk(&mut out, *b"IEND", &[])?;
    out.flush()
}

/// A string of bits, first bit lowest, as deflate writes them.
#[derive(Debug, Default)]
struct Bits {
    /// Whole bytes.
    bytes: Vec<u8>,
    /// The bits after them, the first `filled` of this word.
    last: u64,
    filled: u8,
}

impl Bits {
    /// The header of a block that is not the last: dynamic Huffman codes, those of
    /// [`BLOCK_HEADER`].
    fn block() -> Bits {
        let mut bits = Bits::default();
        let (header, tail) = BLOCK_HEADER.split_at(BLOCK_HEADER.len() - 1);
        for (i, &byte) in header.iter().enumerate() {
            // Its first bit says whether the block is the last.
            bits.put(u64::from(if i == 0 { byte & !1 } else { byte }), 8);
        }
        bits.put(u64::from(tail[0]), 5);
        bits
    }

    /// Appends the low `n` bits of `bits` (no bits above them are set), `n` at most 64.
    #[inline]
    fn put(&mut self, bits: u64, n: u8) {
        // `filled` is under 64 between calls.
        self.last |= bits << self.filled;
        self.filled += n;
        if self.filled >= 64 {
            self.bytes.extend_from_slice(&self.last.to_le_bytes());
            self.filled -= 64;
            self.last = bits.checked_shr(u32::from(n - self.filled)).unwrap_or(0);
        }
    }

    /// The bytes, the last padded with zero bits.
    fn into_bytes(mut self) -> Vec<u8> {
        let tail = usize::from(self.filled.div_ceil(8));
        self.bytes
            .extend_from_slice(&self.last.to_le_bytes()[..tail]);
        self.bytes
    }

    /// Appends `data` compressed: each byte its code, runs of zeros a zero and a match at
    /// distance 1. Most of a filtered chart is zeros, skipped a block at a time; other blocks
    /// are looked at eight bytes at a time, as fdeflate does.
    fn compress(&mut self, data: &[u8]) {
        let mut zeros = 0;
        let mut blocks = data.chunks_exact(BLOCK);
        for block in &mut blocks {
            // An OR over the block rather than a search for a non-zero byte: it vectorizes.
            if block.iter().fold(0, |any, byte| any | byte) == 0 {
                zeros += BLOCK;
            } else {
                for word in block.chunks_exact(8) {
                    zeros = self.word(word, zeros);
                }
            }
        }
        let mut words = blocks.remainder().chunks_exact(8);
        for word in &mut words {
            zeros = self.word(word, zeros);
        }
        let rest = words.remainder();
        let leading = rest.iter().take_while(|b| **b == 0).count();
        if zeros + leading > 0 {
            self.zeros(zeros + leading);
        }
        for four in rest[leading..].chunks(4) {
            self.literals(four);
        }
    }

    /// Appends eight bytes after `zeros` zero bytes not yet put; returns the zeros it ends
    /// with, not yet put either.
    #[inline]
    fn word(&mut self, word: &[u8], zeros: usize) -> usize {
        let value = u64::from_le_bytes(word.try_into().unwrap_or_default());
        if value == 0 {
            return zeros + 8;
        }
        // Bytes are little-endian in `value`: trailing zero bits are the word's first bytes.
        let (leading, trailing) = (value.trailing_zeros() / 8, value.leading_zeros() / 8);
        let (leading, trailing) = (leading as usize, trailing as usize);
        if zeros + leading > 0 {
            self.zeros(zeros + leading);
        }
        for four in word[leading..8 - trailing].chunks(4) {
            self.literals(four);
        }
        trailing
    }

    /// The code of one byte.
    #[inline]
    fn literal(&mut self, byte: u8) {
        self.put(
            u64::from(CODES[usize::from(byte)]),
            LENGTHS[usize::from(byte)],
        );
    }

    /// The codes of up to four bytes, in one call: together they are at most 48 bits.
    #[inline]
    fn literals(&mut self, bytes: &[u8]) {
        let mut bits = 0;
        let mut n = 0;
        for &byte in bytes {
            bits |= u64::from(CODES[usize::from(byte)]) << n;
            n += LENGTHS[usize::from(byte)];
        }
        self.put(bits, n);
    }

    /// `run` zero bytes: a literal zero, then matches of up to 258 bytes at distance 1.
    fn zeros(&mut self, run: usize) {
        self.put(u64::from(CODES[0]), LENGTHS[0]);
        let mut rest = run - 1;
        while rest >= MAX_MATCH {
            // Symbol 285 is length 258 with no extra bits; the distance code, 1 bit, is 0.
            self.put(u64::from(CODES[285]), LENGTHS[285] + 1);
            rest -= MAX_MATCH;
        }
        if rest >= MIN_MATCH {
            let (symbol, extra) = LENGTH_CODES[rest - MIN_MATCH];
            let (symbol, extra) = (usize::from(symbol), extra);
            self.put(u64::from(CODES[symbol]), LENGTHS[symbol]);
            // The extra bits are the length above the symbol's base (its low bits, as every
            // base is a multiple of the extra bits' range above 3), then the distance code.
            let above_base = (rest - MIN_MATCH) as u64 & ((1 << extra) - 1);
            self.put(above_base, extra + 1);
        } else {
            for _ in 0..rest {
                self.put(u64::from(CODES[0]), LENGTHS[0]);
            }
        }
    }
}

/// Bytes per pixel: RGB.
const PIXEL: usize = 3;
/// The filter type byte of a Sub-filtered row.
const SUB: u8 = 1;
/// The filter type byte of a Paeth-filtered row.
const PAETH: u8 = 4;
/// Bytes filtered together; a whole block equal to the row above it (and so is the pixel to
/// its left) filters to zeros, which is most of a chart's white background.
const BLOCK: usize = 32;
/// Deflate's shortest and longest matches.
const MIN_MATCH: usize = 3;
const MAX_MATCH: usize = 258;
/// The literal/length symbol that ends a block.
const END_OF_BLOCK: usize = 256;

/// The zlib header: deflate with a 32 KB window, no dictionary.
const ZLIB_HEADER: [u8; 2] = [0x78, 0x01];

/// The header of fdeflate's block, bit for bit: the last block (its first bit, which
/// [`Bits::block`] clears), dynamic Huffman codes, the code lengths [`LENGTHS`] for literals and
/// lengths, and two distance codes of one bit. Its last byte holds 5 bits.
const BLOCK_HEADER: [u8; 52] = [
    237, 192, 3, 160, 36, 89, 150, 198, 241, 255, 119, 238, 141, 200, 204, 167, 114, 75, 99, 174,
    109, 219, 182, 109, 219, 182, 109, 219, 182, 109, 105, 140, 158, 150, 74, 175, 158, 50, 51, 34,
    238, 249, 118, 183, 106, 122, 166, 135, 59, 107, 213, 15,
];

/// The code length of each literal (0 to 255, a filtered byte: small differences either way
/// are the shortest), the end of block (256) and each length symbol (257 to 285): fdeflate's.
const LENGTHS: [u8; 286] = [
    2, 3, 4, 5, 5, 6, 6, 7, 7, 7, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9, 9, 9, 10, 10, 10, 10, 10, 10, 10,
    10, 10, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12,
    12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12,
    12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12,
    12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12,
    12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12,
    12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12,
    12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12,
    12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 11, 11, 11, 11, 11, 11, 11,
    11, 11, 11, 10, 11, 10, 10, 10, 10, 10, 10, 10, 10, 10, 9, 9, 9, 9, 9, 8, 9, 8, 8, 8, 8, 8, 7,
    7, 7, 6, 6, 6, 5, 4, 3, 12, 12, 12, 9, 9, 11, 10, 11, 11, 10, 11, 11, 11, 11, 11, 11, 12, 11,
    12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 9,
];

/// The canonical Huffman codes of [`LENGTHS`], bit-reversed: deflate sends a code's first bit
/// first, and bits are put lowest first.
const CODES: [u16; 286] = {
    let mut count = [0u16; 16];
    let mut i = 0;
    while i < LENGTHS.len() {
        count[LENGTHS[i] as usize] += 1;
        i += 1;
    }
    let mut next = [0u16; 16];
    let mut code = 0;
    let mut length = 1;
    while length < 16 {
        code = (code + count[length - 1]) << 1;
        next[length] = code;
        length += 1;
    }
    let mut codes = [0u16; 286];
    let mut symbol = 0;
    while symbol < LENGTHS.len() {
        let length = LENGTHS[symbol];
        codes[symbol] = next[length as usize].reverse_bits() >> (16 - length);
        next[length as usize] += 1;
        symbol += 1;
    }
    codes
};

/// The length symbol and its number of extra bits of each match length from 3 to 257, from
/// the deflate specification's table of base lengths.
#[allow(
    clippy::cast_possible_truncation,
    reason = "symbols are under 286 and extra bits under 6; a constant cannot use try_from"
)]
const LENGTH_CODES: [(u16, u8); 255] = {
    let mut codes = [(0u16, 0u8); 255];
    let mut length = MIN_MATCH;
    while length < MAX_MATCH {
        let offset = length - MIN_MATCH;
        // Lengths 3 to 10 have a symbol each; above, each number of extra bits e covers four
        // symbols, each 2^e lengths wide.
        codes[offset] = if offset < 8 {
            (257 + offset as u16, 0)
        } else {
            let extra = (usize::BITS - offset.leading_zeros()) as u8 - 3;
            let symbol = 257 + 4 * extra as usize + (offset >> extra);
            (symbol as u16, extra)
        };
        length += 1;
    }
    codes
};

/// Adler-32's modulus.
const BASE: u64 = 65_521;

/// The Adler-32 of two strings one after the other, from each's and the second's length.
fn combine(first: u32, second: u32, second_len: u64) -> u32 {
    let (a1, b1) = (u64::from(first & 0xffff), u64::from(first >> 16));
    let (a2, b2) = (u64::from(second & 0xffff), u64::from(second >> 16));
    // Each of the second's running sums is larger by the first's sum a1 − 1.
    let a = (a1 + a2 + BASE - 1) % BASE;
    let b = (b1 + b2 + (second_len % BASE) * (a1 + BASE - 1)) % BASE;
    u32::try_from(b << 16 | a).unwrap_or_default()
}

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
        // `a` and `c` are `x` and `b` a pixel earlier: past their first pixel, they are equal
        // where `x` and `b` are.
        if x == b && a[..PIXEL] == c[..PIXEL] {
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

/// One PNG chunk: length, type, data and the CRC of type and data.
fn chunk(out: &mut impl Write, kind: [u8; 4], data: &[u8]) -> io::Result<()> {
    let length = u32::try_from(data.len()).map_err(|_| too_large())?;
    let mut crc = crc32fast::Hasher::new();
    crc.update(&kind);
    crc.update(data);
    out.write_all(&length.to_be_bytes())?;
    out.write_all(&kind)?;
    out.write_all(data)?;
    out.write_all(&crc.finalize().to_be_bytes())
}

/// A PNG chunk's length is 4 bytes.
fn too_large() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, "PNG chunk over 4 GB")
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

    /// A deterministic pseudo-random byte stream (an LCG, no `rand` crate).
    fn noise(seed: u64) -> impl FnMut() -> u8 {
        let mut state = seed;
        move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            state.to_be_bytes()[0]
        }
    }

    /// An image like a chart's: white, with runs of colour and noise, some rows equal to the
    /// row above.
    fn chart_like(width: usize, height: usize) -> Vec<u8> {
        let mut next = noise(3);
        let mut pixels = vec![255u8; width * height * PIXEL];
        for y in 0..height {
            let row = &mut pixels[y * width * PIXEL..(y + 1) * width * PIXEL];
            match y % 5 {
                0 => row.iter_mut().step_by(7).for_each(|b| *b = next()),
                1 => row[30..300].fill(next()),
                2 | 3 => {} // white, twice: a row equal to the row above
                _ => row
                    .iter_mut()
                    .skip(y)
                    .take(40)
                    .for_each(|b| *b = next() / 3),
            }
        }
        pixels
    }

    /// The PNG of `parts`, in memory.
    fn png(width: u32, parts: &[&Part]) -> Vec<u8> {
        let mut bytes = Vec::new();
        write_png(&mut bytes, width, parts).unwrap();
        bytes
    }

    #[test]
    fn parts_put_together_decode_to_the_rows_they_were_given() {
        let (width, height) = (131, 60);
        let pixels = chart_like(width, height);
        let row = width * PIXEL;
        let mut compressor = Compressor::new(u32::try_from(width).unwrap());
        // Parts of 7, 1, 0 and 52 rows: every part's first row is filtered on its own.
        let mut parts = Vec::new();
        for rows in [0..7, 7..8, 8..8, 8..height] {
            compressor.rows(&pixels[rows.start * row..rows.end * row]);
            parts.push(compressor.part());
        }
        let whole = png(131, &parts.iter().collect::<Vec<_>>());
        let decoded = image::load_from_memory_with_format(&whole, image::ImageFormat::Png)
            .unwrap()
            .to_rgb8();
        assert_eq!(decoded.dimensions(), (131, 60));
        assert!(decoded.as_raw() == &pixels, "the pixels differ");
        // The image decoder does not check the stream's checksum; inflating it alone does.
        let length = u32::from_be_bytes(whole[33..37].try_into().unwrap()) as usize;
        assert_eq!(&whole[37..41], b"IDAT");
        let inflated = fdeflate::decompress_to_vec(&whole[41..41 + length]).unwrap();
        assert_eq!(inflated.len(), height * (1 + row));
        // The parts of two images, in another order, make a third.
        let first = png(131, &[&parts[3], &parts[0]]);
        let decoded = image::load_from_memory(&first).unwrap().to_rgb8();
        let expected = [&pixels[8 * row..], &pixels[..7 * row]].concat();
        assert!(decoded.as_raw() == &expected, "the reordered pixels differ");
    }

    #[test]
    fn checksums_combine_as_if_computed_over_both() {
        let mut next = noise(5);
        let data: Vec<u8> = (0..100_000).map(|_| next()).collect();
        let adler = |bytes: &[u8]| {
            let mut checksum = Adler32::new();
            checksum.write(bytes);
            checksum.finish()
        };
        for split in [0, 1, 5_552, 65_521, 65_522, 99_999, 100_000] {
            let (a, b) = data.split_at(split);
            let combined = combine(adler(a), adler(b), b.len() as u64);
            assert_eq!(combined, adler(&data), "split at {split}");
        }
    }

    #[test]
    fn match_lengths_have_the_specifications_symbols() {
        // RFC 1951, 3.2.5: each length symbol from 257 on, its extra bits and base length.
        let bases = [
            3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99,
            115, 131, 163, 195, 227,
        ];
        for length in MIN_MATCH..MAX_MATCH {
            let (symbol, extra) = LENGTH_CODES[length - MIN_MATCH];
            let k = usize::from(symbol) - 257;
            let expected_extra = if k < 8 { 0 } else { (k - 4) / 4 };
            assert_eq!(usize::from(extra), expected_extra, "length {length}");
            assert!(
                (bases[k]..bases[k] + (1 << extra)).contains(&length),
                "{length}"
            );
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
