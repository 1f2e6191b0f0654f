//! Arbitrary bytes as one symbol's CSV: the loader never panics, refuses with one line
//! naming the file, and returns only valid series (see `check_load`).

#![no_main]

use backtest_fuzz::{check_load, options, write_input};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let path = write_input(bytes);
    for options in options() {
        check_load(path, bytes, &options);
    }
});
