//! Invariants of the engine on random price paths and random target weights (proptest): the
//! books always balance, nothing moves without trades, prices' scale does not matter, buy and
//! hold follows the price exactly, costs only take money away, and the fill list alone
//! rebuilds the positions.

use backtest::Date;
use backtest::data::{Series, Universe};
use backtest::engine::{
    CashRate, EngineOptions, Exits, FillKind, Financing, Order, Orders, Run, Side, Size, TrailOn,
    simulate,
};
use backtest::strategy::{History, Strategy as TradingStrategy, Targets};
use proptest::prelude::*;

/// Answers scripted targets at given bars.
struct Script {
    symbols: Vec<String>,
    targets: Vec<Option<Targets>>,
}

impl TradingStrategy for Script {
    fn symbols(&self) -> &[String] {
        &self.symbols
    }
    fn on_bar(&mut self, history: &History<'_>) -> Option<Targets> {
        self.targets[history.bar()].clone()
    }
}

/// A universe from per-symbol (open, close) paths.
fn universe(paths: &[Vec<(f64, f64)>]) -> Universe {
    let n = paths[0].len();
    let start = Date::from_ymd_opt(2000, 1, 3).expect("a date");
    Universe {
        dates: (0..n)
            .map(|i| start + chrono::Days::new(i as u64))
            .collect(),
        series: paths
            .iter()
            .enumerate()
            .map(|(k, path)| Series {
                symbol: format!("S{k}"),
                open: path.iter().map(|p| p.0).collect(),
                high: path.iter().map(|p| p.0.max(p.1)).collect(),
                low: path.iter().map(|p| p.0.min(p.1)).collect(),
                close: path.iter().map(|p| p.1).collect(),
                present: vec![true; n],
                close_only: false,
                adjusted: false,
            })
            .collect(),
    }
}

/// Random prices: a walk of daily moves within ±8%, opens gapping within ±3% of the close.
fn paths(symbols: usize, bars: usize) -> impl Strategy<Value = Vec<Vec<(f64, f64)>>> {
    walks(symbols, bars, 0.08, 0.03)
}

/// Random prices that can run away: daily moves within ±40%, opens gapping within ±10%.
fn wild_paths(symbols: usize, bars: usize) -> impl Strategy<Value = Vec<Vec<(f64, f64)>>> {
    walks(symbols, bars, 0.4, 0.1)
}

/// Random walks from 100 of daily moves within ±`moves`, opens gapping within ±`gaps` of the
/// previous close.
fn walks(
    symbols: usize,
    bars: usize,
    moves: f64,
    gaps: f64,
) -> impl Strategy<Value = Vec<Vec<(f64, f64)>>> {
    let bar = (-moves..moves, -gaps..gaps);
    proptest::collection::vec(proptest::collection::vec(bar, bars), symbols).prop_map(|all| {
        all.into_iter()
            .map(|walk| {
                let mut close = 100.0;
                walk.into_iter()
                    .map(|(change, gap)| {
                        let open = close * (1.0 + gap);
                        close *= 1.0 + change;
                        (open, close)
                    })
                    .collect()
            })
            .collect()
    })
}

/// Random long-only targets (gross ≤ 1) on some bars, `None` on the others.
fn targets(symbols: usize, bars: usize) -> impl Strategy<Value = Vec<Option<Targets>>> {
    let weights = proptest::collection::vec(0.0f64..1.0, symbols).prop_map(|w| {
        let total: f64 = w.iter().sum::<f64>().max(1.0);
        w.into_iter().map(|x| x / total).collect::<Vec<_>>()
    });
    proptest::collection::vec(proptest::option::weighted(0.2, weights), bars)
}

fn run(universe: &Universe, targets: &[Option<Targets>], options: &EngineOptions) -> Run {
    let mut script = Script {
        symbols: universe.series.iter().map(|s| s.symbol.clone()).collect(),
        targets: targets.to_vec(),
    };
    simulate("script", &mut script, universe, options).expect("valid targets")
}

fn options(commission_bps: f64, whole_units: bool) -> EngineOptions {
    EngineOptions {
        commission_bps,
        slippage_bps: commission_bps / 2.0,
        whole_units,
        ..EngineOptions::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn cash_plus_positions_is_equity_and_fills_replay_to_the_positions(
        (prices, targets, bps, whole) in (1usize..4, 20usize..80).prop_flat_map(|(k, n)| {
            (paths(k, n), targets(k, n), 0.0f64..50.0, any::<bool>())
        })
    ) {
        let u = universe(&prices);
        let run = run(&u, &targets, &options(bps, whole));
        let k = u.series.len();
        let mut units = vec![0.0; k];
        let mut cash = 100_000.0;
        let mut fills = run.fills.iter().peekable();
        for t in 0..u.len() {
            while let Some(f) = fills.next_if(|f| f.bar == t) {
                let (sign, flow) = match f.side {
                    Side::Buy => (1.0, -(f.value() + f.cost)),
                    Side::Sell => (-1.0, f.value() - f.cost),
                };
                units[f.symbol] += sign * f.units;
                cash += flow;
                prop_assert!(f.cost >= 0.0);
            }
            let positions: f64 = (0..k).map(|s| run.units(t, s) * u.series[s].close[t]).sum();
            prop_assert!((run.cash[t] + positions - run.equity[t]).abs() < 1e-6 * run.equity[t]);
            prop_assert!((run.cash[t] - cash).abs() < 1e-6 * run.equity[t], "cash replays");
            for (s, held) in units.iter().enumerate() {
                prop_assert!((run.units(t, s) - held).abs() < 1e-9 * held.abs().max(1.0));
            }
            prop_assert!(run.cash[t] > -1e-6 * run.equity[t], "long-only targets never borrow");
        }
    }

    #[test]
    fn without_trades_equity_never_moves(prices in paths(2, 50)) {
        let u = universe(&prices);
        let run = run(&u, &vec![None; u.len()], &options(10.0, false));
        prop_assert!(run.fills.is_empty());
        prop_assert!(run.equity.iter().all(|e| *e == 100_000.0));
    }

    #[test]
    fn scaling_every_price_leaves_returns_unchanged(
        (prices, targets, scale) in (1usize..4, 20usize..60).prop_flat_map(|(k, n)| {
            (paths(k, n), targets(k, n), 0.01f64..100.0)
        })
    ) {
        let scaled: Vec<Vec<(f64, f64)>> = prices
            .iter()
            .map(|p| p.iter().map(|(o, c)| (o * scale, c * scale)).collect())
            .collect();
        let a = run(&universe(&prices), &targets, &options(5.0, false));
        let b = run(&universe(&scaled), &targets, &options(5.0, false));
        for (x, y) in a.equity.iter().zip(&b.equity) {
            prop_assert!((x - y).abs() < 1e-9 * x.abs(), "{x} vs {y}");
        }
    }

    #[test]
    fn buy_and_hold_follows_the_price_ratio_exactly(prices in paths(1, 40)) {
        let u = universe(&prices);
        let mut targets = vec![None; u.len()];
        targets[0] = Some(vec![1.0]);
        let run = run(&u, &targets, &options(0.0, false));
        let units = 100_000.0 / u.series[0].open[1];
        for t in 1..u.len() {
            let expected = units * u.series[0].close[t];
            prop_assert!((run.equity[t] - expected).abs() < 1e-9 * expected);
        }
    }

    #[test]
    fn costs_only_take_money_away(
        (prices, targets, bps) in (1usize..4, 20usize..60).prop_flat_map(|(k, n)| {
            (paths(k, n), targets(k, n), 0.5f64..50.0)
        })
    ) {
        let u = universe(&prices);
        let free = run(&u, &targets, &options(0.0, false));
        let costly = run(&u, &targets, &options(bps, false));
        let paid: f64 = costly.fills.iter().map(|f| f.cost).sum();
        prop_assert!(paid >= 0.0);
        prop_assert!(costly.equity[u.len() - 1] <= free.equity[u.len() - 1] * (1.0 + 1e-12));
    }
}

/// Random long and short targets of gross weight up to 2 on some bars.
fn leveraged_targets(symbols: usize, bars: usize) -> impl Strategy<Value = Vec<Option<Targets>>> {
    let weights = proptest::collection::vec(-1.0f64..1.0, symbols).prop_map(|w| {
        let gross: f64 = w.iter().map(|x| x.abs()).sum::<f64>().max(1.0);
        w.into_iter().map(|x| 2.0 * x / gross).collect::<Vec<_>>()
    });
    proptest::collection::vec(proptest::option::weighted(0.3, weights), bars)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Issue 13: a leveraged short that ran away published equity of −199 million and a
    /// drawdown of −187,441%. Now equity never reads below zero: the first close at or below
    /// zero ends the run as ruined, and the books still balance on every published bar.
    #[test]
    fn equity_never_reads_below_zero_and_a_ruined_run_holds_and_trades_nothing_after(
        (prices, targets, bps) in (1usize..3, 20usize..60).prop_flat_map(|(k, n)| {
            (wild_paths(k, n), leveraged_targets(k, n), 0.0f64..50.0)
        })
    ) {
        let u = universe(&prices);
        let options = EngineOptions {
            max_leverage: 2.0,
            ..options(bps, false)
        };
        let run = run(&u, &targets, &options);
        let k = u.series.len();
        let ruined = run.ruin.map_or(u.len(), |r| r.bar);
        let mut cash = 100_000.0;
        let mut fills = run.fills.iter().peekable();
        for t in 0..u.len() {
            while let Some(f) = fills.next_if(|f| f.bar == t) {
                prop_assert!(t <= ruined, "a fill after the ruin");
                cash += match f.side {
                    Side::Buy => -(f.value() + f.cost),
                    Side::Sell => f.value() - f.cost,
                };
            }
            let scale = run.equity[t].abs().max(1.0);
            prop_assert!(run.equity[t] >= 0.0 && run.equity[t].is_finite());
            let positions: f64 = (0..k).map(|s| run.units(t, s) * u.series[s].close[t]).sum();
            prop_assert!((run.cash[t] + positions - run.equity[t]).abs() < 1e-6 * scale);
            if t < ruined {
                prop_assert!(run.equity[t] > 0.0);
                prop_assert!((run.cash[t] - cash).abs() < 1e-6 * cash.abs().max(scale));
                for s in 0..k {
                    let weight = run.weight(t, s, u.series[s].close[t]);
                    prop_assert!(weight * run.units(t, s) >= 0.0, "a short's weight is negative");
                }
            } else {
                prop_assert_eq!((run.equity[t], run.cash[t]), (0.0, 0.0));
                prop_assert!((0..k).all(|s| run.units(t, s) == 0.0));
            }
            if t == ruined {
                // What the closed positions left, below zero, is the shortfall written off.
                let shortfall = run.ruin.map_or(0.0, |r| r.shortfall);
                prop_assert!((cash.min(0.0) + shortfall).abs() < 1e-6 * shortfall.max(1.0));
            }
        }
        let daily = backtest::data::BarLength::Daily;
        let drawdown = backtest::metrics::performance(&u.dates, &run.equity, 0.0, daily).max_drawdown;
        prop_assert!((-1.0..=0.0).contains(&drawdown));
    }
}

/// A universe from per-symbol bars `(open, close, up, down)`: highs `up` above the higher of
/// open and close, lows `down` below the lower, on a calendar whose steps are `steps` days.
fn wicked_universe(
    paths: &[Vec<(f64, f64)>],
    wicks: &[Vec<(f64, f64)>],
    steps: &[u64],
) -> Universe {
    let mut u = universe(paths);
    let mut date = u.dates[0];
    for (t, step) in steps.iter().enumerate() {
        u.dates[t] = date;
        date = date + chrono::Days::new(*step);
    }
    for (series, wicks) in u.series.iter_mut().zip(wicks) {
        for (t, (up, down)) in wicks.iter().enumerate() {
            series.high[t] *= 1.0 + up;
            series.low[t] *= 1.0 - down;
        }
    }
    u
}

/// Some of a stop-loss, a take-profit and a trailing stop, each 2% to 20% away.
fn exits() -> impl Strategy<Value = Exits> {
    let distance = || proptest::option::of(0.02f64..0.2);
    (distance(), distance(), distance(), any::<bool>()).prop_map(
        |(stop_loss, take_profit, trailing_stop, highs)| Exits {
            stop_loss,
            take_profit,
            trailing_stop,
            trail_on: if highs { TrailOn::High } else { TrailOn::Close },
        },
    )
}

/// Random orders on some bars: symbol, a size (weight −1 to 1, or units), a limit or stop
/// level from 10% below to 10% above the close, good for 1 to 10 bars or till cancelled.
fn orders(symbols: usize, bars: usize) -> impl Strategy<Value = Vec<Option<RandomOrder>>> {
    let order = (
        0..symbols,
        -1.0f64..1.0,
        any::<bool>(),
        0u8..3,
        -0.1f64..0.1,
        0usize..10,
    );
    proptest::collection::vec(proptest::option::weighted(0.15, order), bars)
}

/// (symbol, amount, whether the amount is in units, 0 market / 1 limit / 2 stop, the level
/// from the close, bars good for: 0 till cancelled).
type RandomOrder = (usize, f64, bool, u8, f64, usize);

/// Answers scripted targets and places scripted orders.
struct Orderer {
    symbols: Vec<String>,
    targets: Vec<Option<Targets>>,
    orders: Vec<Option<RandomOrder>>,
}

impl TradingStrategy for Orderer {
    fn symbols(&self) -> &[String] {
        &self.symbols
    }
    fn on_close(&mut self, history: &History<'_>, orders: &mut Orders) {
        let t = history.bar();
        if let Some(targets) = &self.targets[t] {
            orders.set_targets(targets.clone());
        }
        if let Some((s, amount, in_units, trigger, away, bars)) = self.orders[t] {
            let size = if in_units {
                Size::Units(amount * 500.0)
            } else {
                Size::Weight(amount)
            };
            let level = history.close(s)[t] * (1.0 + away);
            let order = match trigger {
                0 => Order::new(s, size),
                1 => Order::new(s, size).limit(level),
                _ => Order::new(s, size).stop(level),
            };
            orders.place(if bars == 0 {
                order
            } else {
                order.good_for(bars)
            });
        }
    }
}

/// `(1 + rate)^(days / 365) - 1`: the documented accrual of one stretch.
fn growth(rate: f64, days: i64) -> f64 {
    (1.0 + rate).powf(days as f64 / 365.0) - 1.0
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// With orders, exits inside the bar, leverage, shorts, interest, margin and borrow fees,
    /// the books balance on every bar, and the fill list with the documented accrual alone
    /// rebuilds the cash and units; every exit and every limit or stop fills inside its bar's
    /// range.
    #[test]
    fn fills_and_accruals_replay_the_books_with_orders_exits_and_financing(
        (prices, wicks, steps, (targets, placed), exits, rates, bps) in (1usize..3, 20usize..70).prop_flat_map(|(k, n)| {
            (
                paths(k, n),
                proptest::collection::vec(proptest::collection::vec((0.0f64..0.05, 0.0f64..0.05), n), k),
                proptest::collection::vec(1u64..5, n),
                (leveraged_targets(k, n), orders(k, n)),
                exits(),
                (0.0f64..0.05, 0.0f64..0.08, 0.0f64..0.03),
                0.0f64..20.0,
            )
        })
    ) {
        let u = wicked_universe(&prices, &wicks, &steps);
        let (cash_rate, margin_rate, borrow_rate) = rates;
        let options = EngineOptions {
            max_leverage: 2.0,
            exits,
            financing: Financing {
                cash_rate: CashRate::Fixed(cash_rate),
                margin_rate,
                borrow_rate,
                yields: None,
            },
            ..options(bps, false)
        };
        let mut orderer = Orderer {
            symbols: u.series.iter().map(|s| s.symbol.clone()).collect(),
            targets,
            orders: placed,
        };
        let run = simulate("orders", &mut orderer, &u, &options).expect("valid orders");
        // A ruined run's last bar is rewritten (its positions closed, its shortfall written
        // off): the replay stops before it.
        let ruined = run.ruin.map_or(u.len(), |r| r.bar);
        let k = u.series.len();
        let mut units = vec![0.0; k];
        let mut cash = 100_000.0;
        let (mut interest, mut fees) = (0.0, 0.0);
        let mut fills = run.fills.iter().peekable();
        for t in 0..ruined {
            if t > 0 {
                let days = (u.dates[t] - u.dates[t - 1]).num_days();
                let earned = cash * growth(if cash > 0.0 { cash_rate } else { margin_rate }, days);
                let shorts: f64 = (0..k)
                    .filter(|&s| units[s] < 0.0)
                    .map(|s| -units[s] * u.series[s].close[t - 1])
                    .sum();
                let fee = shorts * growth(borrow_rate, days);
                cash += earned - fee;
                interest += earned;
                fees += fee;
            }
            while let Some(f) = fills.next_if(|f| f.bar == t) {
                let series = &u.series[f.symbol];
                if !f.kind.is_answer() && f.kind != FillKind::Ruin {
                    prop_assert!(f.price >= series.low[t] * (1.0 - 1e-12) && f.price <= series.high[t] * (1.0 + 1e-12),
                        "a fill at a level inside its bar: {f:?}");
                }
                let (sign, flow) = match f.side {
                    Side::Buy => (1.0, -(f.value() + f.cost)),
                    Side::Sell => (-1.0, f.value() - f.cost),
                };
                units[f.symbol] += sign * f.units;
                cash += flow;
            }
            let scale = run.equity[t].abs().max(1.0);
            let positions: f64 = (0..k).map(|s| run.units(t, s) * u.series[s].close[t]).sum();
            prop_assert!(run.equity[t].is_finite() && run.cash[t].is_finite());
            prop_assert!((run.cash[t] + positions - run.equity[t]).abs() < 1e-6 * scale);
            prop_assert!((run.cash[t] - cash).abs() < 1e-6 * cash.abs().max(scale), "bar {t}: cash {} replayed {cash}", run.cash[t]);
            for (s, held) in units.iter().enumerate() {
                prop_assert!((run.units(t, s) - held).abs() < 1e-9 * held.abs().max(1.0));
            }
        }
        if run.ruin.is_none() {
            prop_assert!((run.interest - interest).abs() < 1e-6 * interest.abs().max(1.0));
            prop_assert!((run.borrow_costs - fees).abs() < 1e-6 * fees.max(1.0));
        }
    }
}
