//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test binary uses its own subset

use std::path::PathBuf;

/// The repository's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The sample dataset committed in `data/`.
pub fn sample() -> PathBuf {
    root().join("data")
}

/// `../shared/market-data` beside the repository, or `None` with a loud message: the real
/// data is never copied into the repository, so tests that need it skip where it is absent.
pub fn market_data(test: &str) -> Option<PathBuf> {
    let dir = root().join("../shared/market-data");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED {test}: ../shared/market-data is absent beside the repository; \
             this real-data check did not run"
        );
        None
    }
}

/// `../shared/reference` beside the repository, or `None` with a loud message.
pub fn reference(test: &str) -> Option<PathBuf> {
    let dir = root().join("../shared/reference");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("SKIPPED {test}: ../shared/reference is absent beside the repository");
        None
    }
}

/// Relative difference |a − b| / |b|.
pub fn relative(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}
