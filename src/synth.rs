//! stub
use crate::data::Bars;
pub const SYMBOLS: [&str; 8] = ["SPY", "GLD", "SLV", "CPER", "GDX", "GDXJ", "XME", "TLT"];
#[must_use]
pub fn generate(_seed: u64) -> Vec<Bars> {
    unimplemented!()
}
