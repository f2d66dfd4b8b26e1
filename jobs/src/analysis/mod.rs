//! Trend statistics of one item at one place. Pure code: numbers in, numbers out.

mod exact;
mod inversions;
pub mod sen;

pub use sen::{theil_sen, theil_sen_grouped};
