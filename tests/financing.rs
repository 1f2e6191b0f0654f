//! Cash that earns a rate, on real data: T-bill yields (`^IRX`) read from the dataset.

mod common;

#[test]
fn cash_earns_the_t_bill_yield_and_the_table_says_how_much() {
    let Some(market) = common::market_data("cash at the T-bill rate") else {
        return;
    };
    let data = market.join("close-adjusted-long");
    let run = |extra: &[&str]| {
        let out = tempfile::tempdir().unwrap();
        let mut cmd = common::backtest();
        cmd.args(["--strategy", "sma-cross", "--symbols", "GLD", "--no-charts"])
            .arg("--data")
            .arg(&data)
            .args(["--to", "2026-07-31", "--out"])
            .arg(out.path().join("report"))
            .args(extra);
        let table = common::quiet_stdout(&mut cmd);
        let summary = common::complete_report(&out.path().join("report"));
        (table, summary)
    };
    let (table, with_bills) = run(&["--cash-rate", "^IRX"]);
    let (_, without) = run(&[]);
    let interest = with_bills["metrics"]["interest"].as_f64().unwrap();
    // Out of gold about half of 2004-2026, at rates from 0 to 5%.
    assert!(interest > 1_000.0, "{interest}");
    let gained =
        with_bills["final_equity"].as_f64().unwrap() - without["final_equity"].as_f64().unwrap();
    assert!(
        gained > interest,
        "interest compounds inside the strategy: {gained} vs {interest}"
    );
    assert_eq!(with_bills["options"]["financing"]["cash_rate"], "^IRX");
    let row = table
        .lines()
        .find(|l| l.trim_start().starts_with("Interest on cash"))
        .expect("an interest row");
    assert!(!row.contains(" 0.00 "), "{row}");
    assert!(table.contains("cash earns the yield of ^IRX"), "{table}");
    // The yield series is not a symbol to trade, nor one of a folder's every symbol.
    let out = tempfile::tempdir().unwrap();
    let output = common::backtest()
        .args([
            "--strategy",
            "buy-and-hold",
            "--symbols",
            "^IRX",
            "--no-charts",
            "--out",
        ])
        .arg(out.path().join("r"))
        .arg("--data")
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is a yield series, not a price"));
}

/// Reads the 10-year yield, trades nothing: a yield series is a signal like any other.
struct YieldReader {
    symbols: Vec<String>,
    signals: Vec<String>,
    lowest: f64,
}

impl backtest::strategy::Strategy for YieldReader {
    fn symbols(&self) -> &[String] {
        &self.symbols
    }
    fn signals(&self) -> &[String] {
        &self.signals
    }
    fn on_bar(&mut self, history: &backtest::strategy::History<'_>) -> Option<Vec<f64>> {
        self.lowest = self.lowest.min(history.signal(0)[history.bar()]);
        None
    }
}

#[test]
fn a_yield_loads_as_a_rate_and_reads_as_a_signal() {
    let Some(market) = common::market_data("a yield as a signal") else {
        return;
    };
    let request =
        backtest::run::RunRequest::new("buy-and-hold", market.join("close-adjusted-long"));
    let setup = backtest::run::Setup::new(&request).unwrap();
    let mut reader = YieldReader {
        symbols: vec!["GLD".into()],
        signals: vec!["^IRX".into()],
        lowest: f64::INFINITY,
    };
    let loaded = setup
        .market(&backtest::strategy::Reads::of(&reader))
        .unwrap();
    backtest::engine::simulate(
        "yield",
        &mut reader,
        &loaded.universe,
        &backtest::engine::EngineOptions::default(),
    )
    .unwrap();
    // The 13-week bill yielded below zero in 2015 and 2020; a price could not.
    assert!(reader.lowest < 0.0, "{}", reader.lowest);
}
