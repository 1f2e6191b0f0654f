//! The CSV files of a run: `equity.csv`, `fills.csv`, `trades.csv`. Numbers are written in
//! Rust's shortest round-trip form, so the same run gives the same bytes on every machine.

use std::fmt::Write as _;

use crate::data::Universe;
use crate::engine::Run;
use crate::trades::Trade;

/// A CSV field, quoted when it holds a separator, a quote or a line break.
fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// `date,equity,cash,<symbol>...`: equity and cash at each close, then each symbol's weight
/// (position value over equity).
#[must_use]
pub fn equity_csv(run: &Run, universe: &Universe) -> String {
    let mut out = String::from("date,equity,cash");
    for series in &universe.series[..run.symbols] {
        out.push(',');
        out.push_str(&field(&series.symbol));
    }
    out.push('\n');
    for (t, date) in universe.dates.iter().enumerate() {
        let equity = run.equity[t];
        let _ = write!(out, "{date},{equity},{}", run.cash[t]);
        for (s, series) in universe.series[..run.symbols].iter().enumerate() {
            let weight = run.weight(t, s, series.close[t]);
            let _ = write!(out, ",{weight}");
        }
        out.push('\n');
    }
    out
}

/// `date,symbol,side,units,price,value,cost,kind`: every fill.
#[must_use]
pub fn fills_csv(run: &Run, universe: &Universe) -> String {
    let mut out = String::from("date,symbol,side,units,price,value,cost,kind\n");
    for fill in &run.fills {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{}",
            universe.dates[fill.bar],
            field(&universe.series[fill.symbol].symbol),
            fill.side.as_str(),
            fill.units,
            fill.price,
            fill.value(),
            fill.cost,
            fill.kind.as_str()
        );
    }
    out
}

/// `symbol,entry_date,entry_price,exit_date,exit_price,units,pnl,return,exit_reason,bars_held,mae,mfe`:
/// round trips; exit date and price are empty while a trade is open (its reason is `end`).
#[must_use]
pub fn trades_csv(trades: &[Trade], universe: &Universe) -> String {
    let mut out = String::from(
        "symbol,entry_date,entry_price,exit_date,exit_price,units,pnl,return,exit_reason,bars_held,mae,mfe\n",
    );
    for trade in trades {
        let exit_date = trade.exit_date.map(|d| d.to_string()).unwrap_or_default();
        let exit_price = trade.exit_price.map(|p| p.to_string()).unwrap_or_default();
        let _ = writeln!(
            out,
            "{},{},{},{exit_date},{exit_price},{},{},{},{},{},{},{}",
            field(&universe.series[trade.symbol].symbol),
            trade.entry_date,
            trade.entry_price,
            trade.units,
            trade.pnl,
            trade.return_,
            trade.exit_reason.as_str(),
            trade.bars_held,
            trade.mae,
            trade.mfe
        );
    }
    out
}
