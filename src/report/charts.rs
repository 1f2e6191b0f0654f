//! stub
use crate::{Date, Result};
pub struct Line<'a> {
    pub label: &'a str,
    pub values: &'a [f64],
}
pub struct ChartStyle<'a> {
    pub title: &'a str,
    pub subtitle: &'a str,
    pub width: u32,
    pub height: u32,
}
pub fn equity_chart(
    _path: &std::path::Path,
    _style: &ChartStyle,
    _dates: &[Date],
    _lines: &[Line],
    _log_scale: bool,
) -> Result<()> {
    Ok(())
}
pub fn drawdown_chart(
    _path: &std::path::Path,
    _style: &ChartStyle,
    _dates: &[Date],
    _lines: &[Line],
) -> Result<()> {
    Ok(())
}
