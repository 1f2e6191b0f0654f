//! `backtest`: a historical backtesting engine for metals and mining equities.
//!
//! The flow runs one way: CSV files are loaded and validated into [`data::Bars`], aligned on one
//! calendar into a [`data::Universe`], simulated by [`engine::simulate`] against a
//! [`strategy::Strategy`], measured by [`metrics`] and written out by [`report`].
//! Every piece is a library function so that tests and benchmarks drive exactly what the
//! binary runs.

// Input never reaches an unwrap: library code returns errors (tests state expectations with it).
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

pub mod baseline;
pub mod calendar;
pub mod cli;
pub mod compare;
pub mod data;
pub mod engine;
pub mod error;
pub mod events;
pub mod hash;
pub mod indicators;
pub mod metrics;
pub mod publish;
pub mod report;
pub mod rng;
pub mod robustness;
pub mod run;
pub mod strategy;
pub mod stress;
pub mod sweep;
pub mod synth;
pub mod trades;
pub mod walkforward;

#[path = "../strategies/mod.rs"]
pub mod strategies;

pub use error::{Error, Result};

/// Daily bars are dated, never timed: one calendar date per bar, no time zone invented.
pub type Date = chrono::NaiveDate;
