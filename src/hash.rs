//! A small, stable content hash for fingerprints of fills and data files: the same bytes give
//! the same hash on every platform and with every version of every dependency.

/// FNV-1a, 64 bits, as 16 hex digits.
#[must_use]
pub fn fnv1a_hex(bytes: &[u8]) -> String {
    format!("{:016x}", fnv1a(bytes))
}

/// The fingerprint of a data file's bytes: XXH3 (64 bits) as 16 hex digits. A data file can
/// be hundreds of megabytes, which FNV-1a reads a byte at a time; XXH3 reads them at memory
/// speed, and its output is fixed by its specification, on every platform.
#[must_use]
pub fn content_hex(bytes: &[u8]) -> String {
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(bytes))
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn fnv1a_matches_the_published_test_vectors() {
        assert_eq!(super::fnv1a_hex(b""), "cbf29ce484222325");
        assert_eq!(super::fnv1a_hex(b"a"), "af63dc4c8601ec8c");
        assert_eq!(super::fnv1a_hex(b"foobar"), "85944171f73967e8");
        // XXH3-64 of the empty input, as its specification gives it.
        assert_eq!(super::content_hex(b""), "2d06800538d394c2");
    }
}
