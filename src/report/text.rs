//! The human-readable summary: the table printed on the terminal and `summary.md`, both from
//! the same rows so they can never disagree.

use std::fmt::Write as _;

use super::summary::Summary;
use crate::data::{BarLength, PriceMode};
use crate::engine::FillMode;
use crate::metrics::Performance;

/// A table with a heading row, rendered aligned on the terminal and as Markdown.
pub(crate) struct Table {
    /// Column headings; the first column is labels, the others values.
    pub(crate) heading: Vec<String>,
    /// One row of cells per line.
    pub(crate) rows: Vec<Vec<String>>,
}

impl Table {
    /// Appends the table with aligned columns: labels left, values right. The padding is
    /// written out rather than asked of `format!`, whose widths stop at 65,535 (a longer cell,
    /// from a long name or a hostile summary given to `compare`, would panic there).
    pub(crate) fn terminal(&self, out: &mut String) {
        let widths: Vec<usize> = (0..self.heading.len())
            .map(|c| {
                std::iter::once(&self.heading)
                    .chain(&self.rows)
                    .map(|r| r[c].chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let pad = |out: &mut String, cell: &str, width: usize| {
            out.extend(std::iter::repeat_n(' ', width - cell.chars().count()));
        };
        for row in std::iter::once(&self.heading).chain(&self.rows) {
            out.push_str("  ");
            out.push_str(&row[0]);
            pad(out, &row[0], widths[0]);
            for (cell, w) in row.iter().zip(&widths).skip(1) {
                out.push_str("   ");
                pad(out, cell, *w);
                out.push_str(cell);
            }
            out.push('\n');
        }
    }

    /// Appends the table as Markdown, every cell escaped by [`markdown_cell`].
    pub(crate) fn markdown(&self, out: &mut String) {
        let line = |cells: &[String]| {
            let cells: Vec<String> = cells.iter().map(|c| markdown_cell(c)).collect();
            cells.join(" | ")
        };
        let _ = writeln!(out, "| {} |", line(&self.heading));
        let _ = writeln!(out, "|---{}|", "|---:".repeat(self.heading.len() - 1));
        for row in &self.rows {
            let _ = writeln!(out, "| {} |", line(row).trim_start());
        }
    }
}

/// `text` as one cell of a Markdown table: a `|` would end the cell and a line break the
/// table, so they are escaped (`\|`, `<br>`), and so is a backslash (`\\`), which would
/// otherwise escape what follows it. Every Markdown table of the reports goes through this.
#[must_use]
pub(crate) fn markdown_cell(text: &str) -> String {
    let mut cell = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => cell.push_str("\\\\"),
            '|' => cell.push_str("\\|"),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' | '\n' | '\u{2028}' | '\u{2029}' => cell.push_str("<br>"),
            c => cell.push(c),
        }
    }
    cell
}

/// Magnitudes from which a percentage or a ratio prints in exponent form (`1.234e77%`): a CAGR
/// of 10^75 written out takes 78 digits and widens every table it is in, and no digit past
/// the fourth says anything.
const EXPONENT_FROM: f64 = 1e6;

/// Amounts of money from which [`money`] prints in exponent form, for the same reason: far
/// beyond any cash a run may start with (at most 1e12).
const EXPONENT_MONEY_FROM: f64 = 1e15;

/// `x` in exponent form with three decimals (`1.234e77`) when `|x|` is `limit` or more.
fn exponent(x: f64, limit: f64) -> Option<String> {
    (x.abs() >= limit).then(|| format!("{x:.3e}"))
}

/// A fraction as a percentage with two decimals, `n/a` where undefined.
pub(crate) fn percent(x: Option<f64>) -> String {
    x.map_or("n/a".into(), |x| {
        let x = x * 100.0;
        exponent(x, EXPONENT_FROM).unwrap_or_else(|| fixed(x, 2)) + "%"
    })
}

/// A ratio with three decimals, `n/a` where undefined.
pub(crate) fn number(x: Option<f64>) -> String {
    x.map_or("n/a".into(), |x| {
        exponent(x, EXPONENT_FROM).unwrap_or_else(|| fixed(x, 3))
    })
}

/// `x` with `decimals` decimals; a value that rounds to zero reads `0.000`, never `-0.000`
/// (a tiny negative up capture is no capture, not a negative one).
fn fixed(x: f64, decimals: usize) -> String {
    let text = format!("{x:.decimals$}");
    match text.strip_prefix('-') {
        Some(digits) if digits.bytes().all(|b| b == b'0' || b == b'.') => digits.to_string(),
        _ => text,
    }
}

/// `1234567.891` → `1,234,567.89`.
#[must_use]
pub fn money(x: f64) -> String {
    if let Some(text) = exponent(x, EXPONENT_MONEY_FROM) {
        return text;
    }
    let text = format!("{:.2}", x.abs());
    let (whole, cents) = text.split_once('.').unwrap_or((&text, "00"));
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let sign = if x < 0.0 { "-" } else { "" };
    format!("{sign}{grouped}.{cents}")
}

/// The symbols of a run for a title: all of a few, the first ones of many.
#[must_use]
pub fn symbols_label(symbols: &[String]) -> String {
    const SHOWN: usize = 8;
    if symbols.len() <= SHOWN {
        symbols.join(", ")
    } else {
        format!(
            "{} and {} more",
            symbols[..SHOWN - 2].join(", "),
            symbols.len() - (SHOWN - 2)
        )
    }
}

/// When orders filled, in words.
pub(super) fn fill_label(summary: &Summary) -> &'static str {
    match summary.options.fill {
        FillMode::NextOpen => "fills at the next open",
        FillMode::Close => "fills at the signal bar's CLOSE (optimistic)",
    }
}

/// The exits attached to every position, in words; `None` without any.
pub(crate) fn exits_label(exits: &crate::engine::Exits) -> Option<String> {
    let mut parts = Vec::new();
    let share = |f: f64| format!("{}%", f * 100.0);
    if let Some(f) = exits.stop_loss {
        parts.push(format!("stop-loss {} below entry", share(f)));
    }
    if let Some(f) = exits.take_profit {
        parts.push(format!("take-profit {} above", share(f)));
    }
    if let Some(f) = exits.trailing_stop {
        let on = match exits.trail_on {
            crate::engine::TrailOn::Close => "close",
            crate::engine::TrailOn::High => "high",
        };
        parts.push(format!("trailing stop {} below the best {on}", share(f)));
    }
    (!parts.is_empty())
        .then(|| parts.join(" · ") + " (for a long; mirrored for a short), filled within the bar")
}

/// What cash earns and borrowing costs, in words; `None` when nothing accrues.
fn financing_label(financing: &crate::engine::Financing) -> Option<String> {
    if !financing.accrues() {
        return None;
    }
    let cash = match &financing.cash_rate {
        crate::engine::CashRate::Fixed(rate) => format!("{}% a year", rate * 100.0),
        crate::engine::CashRate::Series(symbol) => format!("the yield of {symbol}"),
    };
    Some(format!(
        "cash earns {cash} · borrowed cash pays {}% · shorts pay {}% to borrow · on calendar days",
        financing.margin_rate * 100.0,
        financing.borrow_rate * 100.0
    ))
}

/// Which prices were traded, in words: adjusted only where a file had `Adj Close`.
/// How the bars were made from the files, and what annualises the statistics; `None` for
/// daily bars, which are the files' rows and say so in the dataset line and the CAGR's label.
fn bars_label(bars: BarLength) -> Option<String> {
    let period = match bars {
        BarLength::Daily => return None,
        BarLength::Weekly => "ISO week (Monday to Sunday)",
        BarLength::Monthly => "calendar month",
    };
    Some(format!(
        "{}: one bar per {period} of the daily files, dated on its last trading day; \
         statistics annualised with {} bars a year",
        bars.name(),
        bars.periods_per_year()
    ))
}

pub(super) fn prices_label(summary: &Summary) -> String {
    let adjusted = &summary.dataset.adjusted;
    match summary.options.prices {
        PriceMode::Raw => "raw prices".into(),
        PriceMode::Adjusted if adjusted.is_empty() => {
            "prices as written (no Adj Close column to adjust by)".into()
        }
        PriceMode::Adjusted => format!(
            "adjusted prices ({} scaled by Adj Close / Close)",
            adjusted.join(", ")
        ),
    }
}

/// What a strategy's activity is counted in: round trips for one that trades on signals, and
/// for one that rebalances (a portfolio held for years makes a few round trips and hundreds of
/// rebalances), its rebalances and fills.
pub(crate) fn trades_cell(activity: &crate::metrics::Activity) -> (&'static str, String) {
    if activity.rebalances > 0 {
        (
            "Rebalances",
            format!("{} ({} fills)", activity.rebalances, activity.fills),
        )
    } else {
        ("Trades", activity.trades.to_string())
    }
}

/// How the round trips ended, where an exit or an order at a level ended some:
/// `signal 30, stop 8, target 17, open 1`, the reasons with none left out.
fn exits_cell(exits: &crate::trades::ExitCounts) -> Option<String> {
    if exits.signal + exits.ruin + exits.end == exits.total() {
        return None;
    }
    let reasons = [
        ("signal", exits.signal),
        ("stop", exits.stop_loss),
        ("target", exits.take_profit),
        ("trail", exits.trailing_stop),
        ("stop order", exits.stop_order),
        ("limit order", exits.limit_order),
        ("ruin", exits.ruin),
        ("open", exits.end),
    ];
    let named: Vec<String> = reasons
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(reason, n)| format!("{reason} {n}"))
        .collect();
    Some(named.join(", "))
}

/// Headline statistics: the strategy beside its benchmark.
fn metrics_table(summary: &Summary) -> Table {
    let mut table = headline_table(summary);
    let trades = table.rows.iter().position(|row| row[0] == "Trades");
    if let (Some(at), Some(exits)) = (trades, exits_cell(&summary.metrics.activity.exits)) {
        table
            .rows
            .insert(at + 1, vec!["  exits".into(), exits, String::new()]);
    }
    table
}

/// The rows every run has.
fn headline_table(summary: &Summary) -> Table {
    let s = &summary.metrics.performance;
    let a = &summary.metrics.activity;
    let b = &summary.benchmark.metrics;
    let r = &summary.benchmark_metrics;
    let both = |label: &str, f: fn(&Performance) -> String| vec![label.into(), f(s), f(b)];
    let only = |label: &str, value: String| vec![label.into(), value, String::new()];
    Table {
        heading: vec![
            String::new(),
            "strategy".into(),
            format!("benchmark ({})", summary.options.benchmark),
        ],
        rows: vec![
            vec![
                "Final equity".into(),
                money(summary.final_equity),
                money(summary.benchmark.final_equity),
            ],
            both("Total return", |p| percent(Some(p.total_return))),
            both(&cagr_label(summary.options.bars), |p| percent(p.cagr)),
            both("CAGR (calendar)", |p| percent(p.cagr_calendar)),
            both("Annual volatility", |p| percent(p.annual_volatility)),
            both("Sharpe", |p| number(p.sharpe)),
            both("Sortino", |p| number(p.sortino)),
            both("Max drawdown", |p| percent(Some(p.max_drawdown))),
            both("  peak", |p| p.max_drawdown_peak.to_string()),
            both("  trough", |p| p.max_drawdown_trough.to_string()),
            both("  recovery", |p| match p.max_drawdown_recovery {
                Some(date) => date.to_string(),
                // Equity that never fell below its peak has nothing to recover from.
                None if p.max_drawdown == 0.0 => "no drawdown".into(),
                None => "not recovered".into(),
            }),
            both("  days", |p| p.max_drawdown_days.to_string()),
            both("Calmar", |p| number(p.calmar)),
            only("Beta to benchmark", number(r.beta)),
            only("Alpha (annual)", percent(r.alpha)),
            only("Correlation", number(r.correlation)),
            only("Up capture", number(r.up_capture)),
            only("Down capture", number(r.down_capture)),
            only("Tracking error", percent(r.tracking_error)),
            only("Information ratio", number(r.information_ratio)),
            only("Exposure", percent(Some(a.exposure))),
            {
                let (label, value) = trades_cell(a);
                only(label, value)
            },
            only("Win rate (closed)", percent(a.win_rate)),
            only("Profit factor", number(a.profit_factor)),
            only("Turnover (per year)", format!("{:.2}x", a.turnover)),
            only("Costs", money(a.costs)),
            only("Interest on cash", money(a.interest)),
            only("Borrow costs", money(a.borrow_costs)),
        ],
    }
}

/// The label of the CAGR annualised by bars: `CAGR (252-day years)`, `(52-week years)`...
fn cagr_label(bars: BarLength) -> String {
    format!("CAGR ({}-{} years)", bars.periods_per_year(), bars.period())
}

/// The stress windows inside the data, if any.
fn stress_table(summary: &Summary) -> Option<Table> {
    let windows = &summary.stress_windows;
    (!windows.is_empty()).then(|| Table {
        heading: vec![
            "stress window".into(),
            "bars".into(),
            "strategy".into(),
            "its max drawdown".into(),
            format!("{}", summary.options.benchmark),
            "its max drawdown".into(),
        ],
        rows: windows
            .iter()
            .map(|w| {
                vec![
                    w.name.clone(),
                    format!("{} → {}", w.first_bar, w.last_bar),
                    percent(Some(w.strategy_return)),
                    percent(Some(w.strategy_max_drawdown)),
                    percent(Some(w.benchmark_return)),
                    percent(Some(w.benchmark_max_drawdown)),
                ]
            })
            .collect(),
    })
}

/// Forward returns after the strategy's signals, if it has any kind of signal.
fn events_table(summary: &Summary) -> Option<Table> {
    let events = summary.events.as_ref()?;
    Some(Table {
        heading: [
            "after a signal",
            "events",
            "independent",
            "mean",
            "median",
            "hit rate",
            "t (vs all days)",
            "p",
            "95% CI of mean",
            "all days: mean",
            "median",
            "hit rate",
        ]
        .map(String::from)
        .to_vec(),
        rows: events
            .horizons
            .iter()
            .map(|h| {
                let interval = match (h.ci_low, h.ci_high) {
                    (Some(low), Some(high)) => {
                        format!("{} to {}", percent(Some(low)), percent(Some(high)))
                    }
                    _ => "n/a".into(),
                };
                vec![
                    format!("{} bars ({})", h.bars, events.symbol),
                    h.events.to_string(),
                    h.independent.to_string(),
                    percent(h.mean),
                    percent(h.median),
                    percent(h.hit_rate),
                    number(h.t_stat),
                    number(h.p_value),
                    interval,
                    percent(h.unconditional.mean),
                    percent(h.unconditional.median),
                    percent(h.unconditional.hit_rate),
                ]
            })
            .collect(),
    })
}

/// Every table of the summary, in reading order.
fn tables(summary: &Summary) -> Vec<Table> {
    std::iter::once(metrics_table(summary))
        .chain(stress_table(summary))
        .chain(events_table(summary))
        .collect()
}

/// Lines that say what ran on what, before the numbers.
fn header(summary: &Summary) -> Vec<(&'static str, String)> {
    let d = &summary.dataset;
    let o = &summary.options;
    let mut lines = vec![];
    if let Some(ruin) = summary.ruin {
        lines.push((
            "RUINED",
            format!(
                "on {}: equity reached zero; every position was closed at that close, \
                 {} owed beyond zero was written off, and nothing traded after",
                ruin.ruined_on,
                money(ruin.shortfall)
            ),
        ));
    }
    if d.synthetic {
        lines.push((
            "DATA",
            "SYNTHETIC sample: generated prices, not market history".to_string(),
        ));
    }
    lines.push((
        "dataset",
        format!(
            "{} · {} → {} · {} {} bars · {}",
            d.path,
            d.first_date,
            d.last_date,
            d.bars,
            o.bars.name(),
            symbols_label(&d.symbols)
        ),
    ));
    lines.push((
        "options",
        format!(
            "{} · {} · {} units · commission {} bps · slippage {} bps · cash {}",
            fill_label(summary),
            prices_label(summary),
            if o.whole_units { "whole" } else { "fractional" },
            o.commission_bps,
            o.slippage_bps,
            money(o.cash)
        ),
    ));
    if let Some(bars) = bars_label(o.bars) {
        lines.push(("bars", bars));
    }
    if let Some(exits) = exits_label(&o.exits) {
        lines.push(("exits", exits));
    }
    if let Some(financing) = financing_label(&o.financing) {
        lines.push(("financing", financing));
    }
    if let Some(date) = o.trade_from {
        lines.push((
            "warm-up",
            format!(
                "trades from {date}; the bars before it (from {}) were history only",
                o.from
                    .map_or_else(|| "the start of the data".into(), |f| f.to_string())
            ),
        ));
    }
    if let Some(note) = &summary.benchmark.note {
        lines.push(("benchmark", note.clone()));
    }
    if !d.close_only.is_empty() {
        lines.push((
            "close-only",
            format!(
                "{}: no open in the file, next-open fills happen at the next close",
                d.close_only.join(", ")
            ),
        ));
    }
    let mut notes: Vec<String> = d
        .defects
        .iter()
        .flat_map(|(symbol, counts)| {
            counts
                .iter()
                .map(move |(kind, n)| format!("{symbol} {n} {kind}"))
        })
        .collect();
    notes.extend(
        d.missing_bars
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(symbol, n)| format!("{symbol} {n} missing bars")),
    );
    notes.extend(d.warnings.iter().cloned());
    if !notes.is_empty() {
        lines.push(("data notes", notes.join(", ")));
    }
    lines
}

fn title(summary: &Summary) -> String {
    format!(
        "{} on {} vs {} buy and hold",
        summary.strategy,
        symbols_label(&summary.dataset.symbols),
        summary.options.benchmark
    )
}

/// A note under the event table: how overlapping signals were counted.
const EVENTS_NOTE: &str = "statistics use independent events only: signals at least h bars \
after the previous one kept, so that no two forward windows overlap";

/// The table printed after a run.
#[must_use]
pub fn terminal(summary: &Summary) -> String {
    let mut out = format!("{}\n", title(summary));
    for (label, text) in header(summary) {
        let _ = writeln!(out, "  {label:<11}{text}");
    }
    for table in tables(summary) {
        out.push('\n');
        table.terminal(&mut out);
    }
    if summary.events.is_some() {
        let _ = writeln!(out, "  ({EVENTS_NOTE})");
    }
    out
}

/// `summary.md`.
#[must_use]
pub fn markdown(summary: &Summary) -> String {
    // Names come from the user (symbols, paths, window names): escaped like table cells, so
    // that a line break in one cannot end the heading or the list.
    let mut out = format!("# {}\n\n", markdown_cell(&title(summary)));
    for (label, text) in header(summary) {
        let _ = writeln!(out, "- **{label}**: {}", markdown_cell(&text));
    }
    for table in tables(summary) {
        out.push('\n');
        table.markdown(&mut out);
    }
    if let Some(events) = &summary.events {
        let dates: Vec<String> = events.signals.iter().map(ToString::to_string).collect();
        let _ = writeln!(
            out,
            "\n{} signals: {}.\n\n{EVENTS_NOTE}.",
            dates.len(),
            if dates.is_empty() {
                "none".into()
            } else {
                dates.join(", ")
            }
        );
    }
    let _ = writeln!(out, "\nfill hash `{}`", summary.fill_hash);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_percentages_and_ratios_print_in_exponent_form() {
        assert_eq!(percent(Some(1e75)), "1.000e77%");
        assert_eq!(percent(Some(-12_345.678)), "-1.235e6%");
        assert_eq!(percent(Some(9_999.0)), "999900.00%");
        assert_eq!(number(Some(5.262e16)), "5.262e16");
        assert_eq!(number(Some(292.742_4)), "292.742");
        assert_eq!(money(2.5e300), "2.500e300");
        assert_eq!(money(999_999_999_999.994), "999,999,999,999.99");
    }

    #[test]
    fn a_value_that_rounds_to_zero_has_no_minus_sign() {
        // Regression: a ruined run's up capture of -1e-5 read "-0.000".
        assert_eq!(number(Some(-1e-5)), "0.000");
        assert_eq!(percent(Some(-1e-7)), "0.00%");
        assert_eq!(number(Some(-0.0005)), "-0.001");
    }

    #[test]
    fn markdown_cells_escape_pipes_backslashes_and_line_breaks() {
        assert_eq!(markdown_cell("a|b"), "a\\|b");
        assert_eq!(markdown_cell("c:\\x"), "c:\\\\x");
        assert_eq!(markdown_cell("x\r\ny\nz\u{2028}w"), "x<br>y<br>z<br>w");
        assert_eq!(markdown_cell("covid-crash"), "covid-crash");
    }

    #[test]
    fn a_cell_wider_than_format_widths_allow_is_padded() {
        let long = "x".repeat(70_000);
        let table = Table {
            heading: vec![String::new(), "value".into()],
            rows: vec![
                vec![long.clone(), "1".into()],
                vec!["b".into(), long.clone()],
            ],
        };
        let mut out = String::new();
        table.terminal(&mut out);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[1], format!("  {long}   {}1", " ".repeat(69_999)));
        assert_eq!(lines[2], format!("  b{}   {long}", " ".repeat(69_999)));
    }

    #[test]
    fn money_groups_thousands_and_keeps_cents() {
        assert_eq!(super::money(951_320.853_3), "951,320.85");
        assert_eq!(super::money(100.0), "100.00");
        assert_eq!(super::money(-1_234_567.891), "-1,234,567.89");
        assert_eq!(super::money(0.004), "0.00");
    }
}
