//! The human-readable summary: the table printed on the terminal and `summary.md`, both from
//! the same rows so they can never disagree.

use std::fmt::Write as _;

use super::summary::Summary;
use crate::data::PriceMode;
use crate::engine::FillMode;
use crate::metrics::Performance;

/// One line of the results table.
struct Row {
    label: &'static str,
    strategy: String,
    benchmark: String,
}

fn percent(x: Option<f64>) -> String {
    x.map_or("n/a".into(), |x| format!("{:.2}%", x * 100.0))
}

fn number(x: Option<f64>) -> String {
    x.map_or("n/a".into(), |x| format!("{x:.3}"))
}

/// `1234567.891` → `1,234,567.89`.
#[must_use]
pub fn money(x: f64) -> String {
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

/// When orders filled, in words.
pub(super) fn fill_label(summary: &Summary) -> &'static str {
    match summary.options.fill {
        FillMode::NextOpen => "fills at the next open",
        FillMode::Close => "fills at the signal bar's CLOSE (optimistic)",
    }
}

/// Which prices were traded, in words: adjusted only where a file had `Adj Close`.
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

fn rows(summary: &Summary) -> Vec<Row> {
    let s = &summary.metrics.performance;
    let a = &summary.metrics.activity;
    let b = &summary.benchmark.metrics;
    let both = |label, f: fn(&Performance) -> String| Row {
        label,
        strategy: f(s),
        benchmark: f(b),
    };
    let only = |label, value: String| Row {
        label,
        strategy: value,
        benchmark: String::new(),
    };
    vec![
        Row {
            label: "Final equity",
            strategy: money(summary.final_equity),
            benchmark: money(summary.benchmark.final_equity),
        },
        both("Total return", |p| percent(Some(p.total_return))),
        both("CAGR (252-day years)", |p| percent(p.cagr)),
        both("CAGR (calendar)", |p| percent(p.cagr_calendar)),
        both("Annual volatility", |p| percent(p.annual_volatility)),
        both("Sharpe", |p| number(p.sharpe)),
        both("Sortino", |p| number(p.sortino)),
        both("Max drawdown", |p| percent(Some(p.max_drawdown))),
        both("  peak", |p| p.max_drawdown_peak.to_string()),
        both("  trough", |p| p.max_drawdown_trough.to_string()),
        both("  recovery", |p| {
            p.max_drawdown_recovery
                .map_or("not recovered".into(), |d| d.to_string())
        }),
        both("  days", |p| p.max_drawdown_days.to_string()),
        both("Calmar", |p| number(p.calmar)),
        only("Exposure", percent(Some(a.exposure))),
        only("Trades", a.trades.to_string()),
        only("Win rate (closed)", percent(a.win_rate)),
        only("Profit factor", number(a.profit_factor)),
        only("Turnover (per year)", format!("{:.2}x", a.turnover)),
        only("Costs", money(a.costs)),
    ]
}

/// Lines that say what ran on what, before the numbers.
fn header(summary: &Summary) -> Vec<(&'static str, String)> {
    let d = &summary.dataset;
    let o = &summary.options;
    let mut lines = vec![];
    if d.synthetic {
        lines.push((
            "DATA",
            "SYNTHETIC sample: generated prices, not market history".to_string(),
        ));
    }
    lines.push((
        "dataset",
        format!(
            "{} · {} → {} · {} bars · {}",
            d.path,
            d.first_date,
            d.last_date,
            d.bars,
            d.symbols.join(" ")
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
    if !notes.is_empty() {
        lines.push(("data notes", notes.join(", ")));
    }
    lines
}

fn title(summary: &Summary) -> String {
    format!(
        "{} on {} vs {} buy and hold",
        summary.strategy,
        summary.dataset.symbols.join(", "),
        summary.options.benchmark
    )
}

/// The table printed after a run.
#[must_use]
pub fn terminal(summary: &Summary) -> String {
    let mut out = format!("{}\n", title(summary));
    for (label, text) in header(summary) {
        let _ = writeln!(out, "  {label:<11}{text}");
    }
    out.push('\n');
    let rows = rows(summary);
    let benchmark = format!("benchmark ({})", summary.options.benchmark);
    let width = |column: fn(&Row) -> &str, heading: &str| {
        rows.iter()
            .map(|r| column(r).chars().count())
            .chain([heading.chars().count()])
            .max()
            .unwrap_or(0)
    };
    let left = width(|r| &r.strategy, "strategy");
    let right = width(|r| &r.benchmark, &benchmark);
    let _ = writeln!(
        out,
        "  {:<22}{:>left$}   {benchmark:>right$}",
        "", "strategy"
    );
    for row in rows {
        let _ = writeln!(
            out,
            "  {:<22}{:>left$}   {:>right$}",
            row.label, row.strategy, row.benchmark
        );
    }
    out
}

/// `summary.md`.
#[must_use]
pub fn markdown(summary: &Summary) -> String {
    let mut out = format!("# {}\n\n", title(summary));
    for (label, text) in header(summary) {
        let _ = writeln!(out, "- **{label}**: {text}");
    }
    let _ = write!(
        out,
        "\n| metric | strategy | benchmark ({}) |\n|---|---:|---:|\n",
        summary.options.benchmark
    );
    for row in rows(summary) {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            row.label, row.strategy, row.benchmark
        );
    }
    let _ = writeln!(out, "\nfill hash `{}`", summary.fill_hash);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn money_groups_thousands_and_keeps_cents() {
        assert_eq!(super::money(951_320.853_3), "951,320.85");
        assert_eq!(super::money(100.0), "100.00");
        assert_eq!(super::money(-1_234_567.891), "-1,234,567.89");
        assert_eq!(super::money(0.004), "0.00");
    }
}
