//! Buy and hold: equal weights over the chosen symbols, bought on the first bar's signal and
//! never traded again. The yardstick every other strategy has to beat.

use crate::strategy::{History, Params, Strategy, StrategySpec, Targets};

/// Registry entry.
pub const SPEC: StrategySpec = StrategySpec {
    name: "buy-and-hold",
    summary: "Equal weights over --symbols, bought on the first bar's signal and held",
    params: &[],
    build,
};

#[allow(clippy::unnecessary_wraps)] // the registry's signature: other strategies can fail
fn build(_params: &Params, symbols: &[String]) -> crate::Result<Box<dyn Strategy>> {
    Ok(Box::new(BuyAndHold {
        symbols: symbols.to_vec(),
    }))
}

struct BuyAndHold {
    symbols: Vec<String>,
}

impl Strategy for BuyAndHold {
    fn symbols(&self) -> &[String] {
        &self.symbols
    }

    fn on_bar(&mut self, history: &History<'_>) -> Option<Targets> {
        let weight = 1.0 / self.symbols.len() as f64;
        (history.bar() == 0).then(|| vec![weight; self.symbols.len()])
    }
}
