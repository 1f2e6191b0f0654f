//! Parabolic reversion: "this gold and silver rally looks unsustainable in the short term".
//! Hold one metal (the parameter `symbol`; the `--symbols` of the run are ignored), detect a
//! parabolic rally at the close, then step aside or go short for a while.
//!
//! The rally is told by [`Parabola`]: with `N = window`, `h = N / 2` (integer division) and
//! `R[t] = close[t] / close[t-N] - 1`, bar `t` is *parabolic* when both hold:
//!
//! - (a) the move is extreme: `R[t] > mean + k * std`, the mean and sample standard deviation
//!   (ddof 1) being those of the `history` previous N-day returns `R[t-history] ..= R[t-1]`
//!   (so no bar before `t = N + history` can be parabolic);
//! - (b) it accelerates: the later half of the window rose faster than the first,
//!   `close[t] / close[t-h] > close[t-h] / close[t-N]`.
//!
//! A signal bar (an onset, see [`Strategy::signal_bars`]) is a parabolic bar whose previous bar
//! was not parabolic; every onset is recorded, whatever the position does.
//!
//! Targets: `[1]` (hold the metal) from bar 0. On a parabolic bar while holding:
//!
//! - `mode=exit`: go to cash `[0]`; return to `[1]` at the close of the first later bar whose
//!   close is below the simple moving average of the last `exit_average` closes (itself
//!   included), or at the close of the bar `hold_days` bars after stepping aside, whichever
//!   comes first.
//! - `mode=short`: go short `[-1]`; back to `[1]` at the close of the bar `hold_days` bars
//!   later (so the short is held for exactly `hold_days` bars from the next open). With
//!   `stop` above 0 the short carries a stop-loss that far above its entry, filled inside the
//!   bar (see `docs/ORDERS.md`); stopped out, it waits in cash for the `hold_days`.
//! - `mode=trail`: keep holding, and put a trailing stop under the position: a sell stop at
//!   `c − trail × c` of the best close `c` since the parabola, moved up at every close, filled
//!   inside the bar where the low reaches it. Stopped out, it returns to `[1]` as `exit` does
//!   (the close below its average, or `hold_days` bars after the stop); not stopped within
//!   `hold_days` bars, the stop is cancelled and the rally ridden on.
//!
//! Parabolic bars while aside or short do not extend the stay, and the bar on which the
//! strategy returns to `[1]` is not itself checked for a new exit: any parabolic bar from the
//! next one on steps aside again. Each decision fills at the next bar's open.

use crate::engine::{Exits, Order, Orders, Size};
use crate::indicators::{Parabola, RollingMean};
use crate::strategy::{History, ParamSpec, Params, Strategy, StrategySpec};

/// Registry entry.
pub const SPEC: StrategySpec = StrategySpec {
    name: "parabolic-reversion",
    summary: "Hold a metal; step aside (or go short) for a while after a parabolic rally",
    params: &[
        ParamSpec {
            name: "symbol",
            default: "SLV",
            help: "the metal held",
        },
        ParamSpec {
            name: "window",
            default: "20",
            help: "bars N of the rally's return close[t] / close[t-N] - 1",
        },
        ParamSpec {
            name: "history",
            default: "252",
            help: "previous N-day returns whose mean and std the rally is measured against",
        },
        ParamSpec {
            name: "k",
            default: "2.0",
            help: "standard deviations above the mean that make a rally extreme",
        },
        ParamSpec {
            name: "mode",
            default: "exit",
            help: "exit (to cash), short, or trail (a trailing stop under the position), on a parabolic bar",
        },
        ParamSpec {
            name: "hold_days",
            default: "20",
            help: "bars out of (exit) or short (short) the metal at most",
        },
        ParamSpec {
            name: "exit_average",
            default: "10",
            help: "exit and trail: return once the close falls below its SMA of this many bars",
        },
        ParamSpec {
            name: "trail",
            default: "0.10",
            help: "trail: the stop's distance below the best close since the parabola (fraction)",
        },
        ParamSpec {
            name: "stop",
            default: "0",
            help: "short: a stop-loss this fraction above the short's entry (0: none)",
        },
    ],
    build,
};

fn build(params: &Params, _symbols: &[String]) -> crate::Result<Box<dyn Strategy>> {
    let symbol = params.symbol("symbol")?;
    let window = params.whole("window", 2)?;
    let history = params.whole("history", 2)?;
    let k = params.number("k")?;
    if k <= 0.0 {
        return Err(params.invalid("k", "a positive number"));
    }
    let mode = match params.choice("mode", &["exit", "short", "trail"])? {
        "short" => Mode::Short,
        "trail" => Mode::Trail,
        _ => Mode::Exit,
    };
    let hold_days = params.whole("hold_days", 1)?;
    let exit_average = params.whole("exit_average", 2)?;
    let trail = params.number_in("trail", 0.001..=0.999)?;
    let stop = params.number_in("stop", 0.0..=0.999)?;
    Ok(Box::new(ParabolicReversion {
        symbols: vec![symbol],
        mode,
        trail,
        stop,
        hold_days,
        parabola: Parabola::new(window, history, k),
        average: RollingMean::new(exit_average),
        was_parabolic: false,
        position: Position::Holding,
        onsets: Vec::new(),
    }))
}

/// What a parabolic bar makes the strategy do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Exit,
    Short,
    Trail,
}

struct ParabolicReversion {
    symbols: Vec<String>,
    mode: Mode,
    /// `mode=trail`: the trailing stop's distance.
    trail: f64,
    /// `mode=short`: the short's stop-loss distance (0: none).
    stop: f64,
    hold_days: usize,
    parabola: Parabola,
    /// SMA of the close over `exit_average` bars.
    average: RollingMean,
    /// Whether the previous bar was parabolic.
    was_parabolic: bool,
    position: Position,
    onsets: Vec<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Position {
    Holding,
    /// Out of the metal (`exit`, `trail` once stopped) or short (`short`) since the close of
    /// this bar.
    Out {
        since: usize,
    },
    /// `mode=trail`: holding under a trailing stop since the close of bar `since`, the best
    /// close since then being `best`.
    Trailing {
        since: usize,
        best: f64,
    },
}

impl Strategy for ParabolicReversion {
    fn symbols(&self) -> &[String] {
        &self.symbols
    }

    fn on_close(&mut self, history: &History<'_>, orders: &mut Orders) {
        let t = history.bar();
        let close = history.close(0);
        let average = self.average.push(close);
        // Not parabolic while there is too little history to tell.
        let parabolic = self.parabola.push(close[t]).unwrap_or(false);
        if parabolic && !self.was_parabolic {
            self.onsets.push(t);
        }
        self.was_parabolic = parabolic;
        let below_average = average.is_some_and(|a| close[t] < a);
        match self.position {
            Position::Holding if parabolic => match self.mode {
                Mode::Exit => {
                    self.position = Position::Out { since: t };
                    orders.set_targets(vec![0.0]);
                }
                Mode::Short => {
                    self.position = Position::Out { since: t };
                    if self.stop > 0.0 {
                        let stop = Exits {
                            stop_loss: Some(self.stop),
                            ..Exits::default()
                        };
                        orders.place(Order::new(0, Size::Weight(-1.0)).with_exits(stop));
                    } else {
                        orders.set_targets(vec![-1.0]);
                    }
                }
                Mode::Trail => {
                    self.position = Position::Trailing {
                        since: t,
                        best: close[t],
                    };
                    orders.place(self.trailing_stop(close[t]));
                }
            },
            Position::Holding => {
                if t == 0 {
                    orders.set_targets(vec![1.0]);
                }
            }
            Position::Trailing { since, best } => {
                if history.account().units(0) == 0.0 {
                    // Stopped out inside this bar: out, as `exit` is.
                    self.position = Position::Out { since: t };
                } else if t - since >= self.hold_days {
                    self.position = Position::Holding;
                    orders.cancel(0);
                } else if close[t] > best {
                    self.position = Position::Trailing {
                        since,
                        best: close[t],
                    };
                    orders.place(self.trailing_stop(close[t]));
                }
            }
            Position::Out { since } => {
                let expired = t - since >= self.hold_days;
                let broke_down = self.mode != Mode::Short && below_average;
                if expired || broke_down {
                    self.position = Position::Holding;
                    orders.set_targets(vec![1.0]);
                }
            }
        }
    }

    fn signal_bars(&self) -> Option<&[usize]> {
        Some(&self.onsets)
    }
}

impl ParabolicReversion {
    /// The sell stop `trail` below `best`, to flat: the trailing stop of `mode=trail`.
    fn trailing_stop(&self, best: f64) -> Order {
        Order::new(0, Size::Weight(0.0)).stop(best - self.trail * best)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategies::testing::{build, run, universe};

    /// Small windows so the series stay short: N = 10 (halves of 5), 40 returns of history.
    const SMALL: [&str; 3] = ["window=10", "history=40", "k=2"];

    /// Bars 0..60 wiggle ±3% around 100 (a cycle of 1.7 radians per bar, so the 10-day
    /// returns vary); from bar 60 the close rises by `rise(j / 30)` of the last flat close,
    /// j = 1, 2, … up to bar `last`.
    fn rally(rise: fn(f64) -> f64, last: usize) -> Vec<f64> {
        let mut close: Vec<f64> = (0..60)
            .map(|t| 100.0 * (1.0 + 0.03 * (1.7 * f64::from(t)).sin()))
            .collect();
        let base = close[59];
        for j in 1..=last - 59 {
            close.push(base * (1.0 + 0.2 * rise(j as f64 / 30.0)));
        }
        close
    }

    /// A 20% rise in 30 bars, slow then fast (cubic).
    fn cubic(x: f64) -> f64 {
        x.powi(3)
    }

    /// The same 20% in the same 30 bars at a constant pace.
    fn linear(x: f64) -> f64 {
        x
    }

    /// The cubic rally until bar 85, then a gentle 0.2% a day for 15 bars: parabolic on bars
    /// 83 to 86 only, and never below its 10-day average.
    fn rally_then_drift() -> Vec<f64> {
        let mut close = rally(cubic, 85);
        for _ in 0..15 {
            close.push(close[close.len() - 1] * 1.002);
        }
        close
    }

    /// The onsets a strategy recorded.
    fn onsets(strategy: &dyn Strategy) -> Vec<usize> {
        strategy.signal_bars().expect("a discrete signal").to_vec()
    }

    fn slv(close: Vec<f64>) -> crate::data::Universe {
        universe(&[("SLV", close)])
    }

    #[test]
    fn an_accelerating_rally_after_a_flat_stretch_signals_at_the_expected_bar_and_not_earlier() {
        let (strategy, _) = run(&SPEC, &SMALL, &slv(rally(cubic, 89)));
        // At bar 82 the 10-day return is just short of mean + 2 std; at 83 it is past it.
        assert_eq!(onsets(strategy.as_ref()), [83]);
    }

    #[test]
    fn a_linear_rise_of_the_same_size_does_not_signal() {
        let close = rally(linear, 89);
        assert_eq!(close[89], rally(cubic, 89)[89], "same size");
        let (strategy, run) = run(&SPEC, &SMALL, &slv(close));
        // Its 10-day return is extreme at bar 68, but the later half of the window was slower.
        assert_eq!(onsets(strategy.as_ref()), Vec::<usize>::new());
        assert_eq!(run.decisions, vec![(0, vec![1.0])]);
    }

    #[test]
    fn no_bar_is_parabolic_before_the_history_of_returns_is_complete() {
        // Rising faster every day from the start: accelerating and extreme as soon as measured.
        let close: Vec<f64> = (0..40).map(|t| 100.0 * 1.001f64.powi(t * t)).collect();
        let pairs = ["window=4", "history=10", "k=1"];
        let (strategy, _) = run(&SPEC, &pairs, &slv(close));
        assert_eq!(onsets(strategy.as_ref()), [14]);
    }

    #[test]
    fn exit_steps_aside_and_returns_when_the_close_breaks_its_short_average() {
        // The rally stops at bar 85; bar 86 falls 5%, below its 10-day average.
        let mut close = rally(cubic, 85);
        let low = close[85] * 0.95;
        close.extend([low; 11]);
        let pairs = [SMALL.as_slice(), &["hold_days=20", "exit_average=10"]].concat();
        let (strategy, run) = run(&SPEC, &pairs, &slv(close));
        assert_eq!(onsets(strategy.as_ref()), [83]);
        assert_eq!(
            run.decisions,
            vec![(0, vec![1.0]), (83, vec![0.0]), (86, vec![1.0])]
        );
    }

    #[test]
    fn exit_returns_after_hold_days_and_later_parabolic_bars_do_not_extend_the_stay() {
        // Parabolic on bars 83..=86; aside from 83, back at 83 + 5 although 84..=86 were too.
        let pairs = [SMALL.as_slice(), &["hold_days=5", "exit_average=10"]].concat();
        let (strategy, run) = run(&SPEC, &pairs, &slv(rally_then_drift()));
        assert_eq!(onsets(strategy.as_ref()), [83]);
        assert_eq!(
            run.decisions,
            vec![(0, vec![1.0]), (83, vec![0.0]), (88, vec![1.0])]
        );
    }

    #[test]
    fn short_holds_minus_one_for_exactly_hold_days_bars() {
        let pairs = [SMALL.as_slice(), &["mode=short", "hold_days=5"]].concat();
        let (_, run) = run(&SPEC, &pairs, &slv(rally_then_drift()));
        assert_eq!(
            run.decisions,
            vec![(0, vec![1.0]), (83, vec![-1.0]), (88, vec![1.0])]
        );
        let short: Vec<usize> = (0..run.equity.len())
            .filter(|&t| run.units(t, 0) < 0.0)
            .collect();
        assert_eq!(short, (84..=88).collect::<Vec<_>>(), "from the next open");
    }

    #[test]
    fn every_onset_is_recorded_even_while_aside() {
        // Two rallies 12 bars apart, the second while still aside (hold_days 30): both recorded.
        let mut close = rally(cubic, 85);
        let top = close[85];
        close.extend([top; 10]);
        let restart = close.len() - 1;
        for j in 1..=30 {
            close.push(top * (1.0 + 0.2 * cubic(f64::from(j) / 30.0)));
        }
        let pairs = [SMALL.as_slice(), &["hold_days=300", "exit_average=1000"]].concat();
        let (strategy, run) = run(&SPEC, &pairs, &slv(close));
        assert_eq!(restart, 95);
        assert_eq!(onsets(strategy.as_ref()), [83, 123]);
        assert_eq!(run.decisions, vec![(0, vec![1.0]), (83, vec![0.0])]);
    }

    #[test]
    fn takes_its_symbol_from_its_parameter() {
        assert_eq!(build(&SPEC, &["symbol=GLD"]).unwrap().symbols(), ["GLD"]);
    }

    #[test]
    fn bad_parameters_are_errors_naming_the_parameter() {
        for (pairs, name) in [
            (&["window=1"][..], "window"),
            (&["history=1"][..], "history"),
            (&["k=0"][..], "k"),
            (&["k=much"][..], "k"),
            (&["mode=sell"][..], "mode"),
            (&["hold_days=0"][..], "hold_days"),
            (&["exit_average=1"][..], "exit_average"),
            (&["symbol="][..], "symbol"),
        ] {
            let message = build(&SPEC, pairs).err().expect("refused").to_string();
            assert!(
                message.contains(&format!("parameter {name} ")),
                "{pairs:?}: {message}"
            );
        }
    }
}
