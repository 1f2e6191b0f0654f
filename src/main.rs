//! The `backtest` binary: everything happens in the library; this only turns an error into one
//! message on stderr and one exit code (2 for bad input, 1 for other failures).

use std::process::ExitCode;

fn main() -> ExitCode {
    backtest::engine::quiet_strategy_panics();
    match backtest::cli::main() {
        Ok(code) => code,
        Err(error) => {
            backtest::cli::warn(&format!("error: {error}"));
            ExitCode::from(error.exit_code())
        }
    }
}
