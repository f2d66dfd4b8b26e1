//! Trend statistics of one item at one place: Mann–Kendall, seasonal Kendall (with Theil–Sen slopes on
//! real time) and the national method's Spearman test. Pure code: observations in, numbers out.

mod exact;
mod inversions;
