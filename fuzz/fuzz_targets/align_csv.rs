//! Arbitrary bytes as one symbol's CSV, loaded and aligned as a run does: besides the
//! loader's promises (see `check_load`), every price the engine would trade, adjusted by
//! `Adj Close / Close` or raw, is finite and positive.

#![no_main]

use backtest::data::{PriceMode, Universe};
use backtest_fuzz::{check_load, options, write_input};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let path = write_input(bytes);
    for options in options() {
        let Some(bars) = check_load(path, bytes, &options) else {
            continue;
        };
        for mode in [PriceMode::Adjusted, PriceMode::Raw] {
            let universe = Universe::align(std::slice::from_ref(&bars), mode)
                .expect("one symbol shares its own dates");
            let series = &universe.series[0];
            for prices in [&series.open, &series.high, &series.low, &series.close] {
                assert_eq!(prices.len(), universe.len());
                assert!(
                    prices.iter().all(|p| p.is_finite() && *p > 0.0),
                    "{mode:?} prices: {prices:?}"
                );
            }
        }
    }
});
