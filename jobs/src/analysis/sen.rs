//! Theil–Sen slope on real time: the median of (vⱼ − vᵢ)/(tⱼ − tᵢ) over all pairs with distinct times
//! (optionally only pairs in the same season), found exactly by randomized slope selection in
//! O(n log n) expected time.
//!
//! # The algorithm
//! For a threshold s, a pair i, j with tᵢ < tⱼ has slope ≤ s exactly when uⱼ ≤ uᵢ for u = v − s·t. So
//! the number of slopes ≤ s is the number of inversions between the time order and the order by u:
//! sort by u, count inversions, O(n log n) (the rank query behind the slope-selection algorithms of
//! Cole, Salowe, Steiger and Szemerédi, 1989). The pairs whose slopes lie in an interval (lo, hi] are
//! exactly the pairs whose order differs between the u-order at lo and at hi, so they can be counted,
//! sampled uniformly and, once few, listed (`inversions`).
//!
//! Selection follows the randomized scheme of J. Matoušek ("Randomized optimal algorithm for slope
//! selection", Inf. Proc. Letters 39, 1991) and Dillencourt, Mount and Netanyahu (1992): draw about n
//! slopes uniformly from the current interval, take the sample order statistics a few standard
//! deviations either side of the wanted rank as new bounds, count the pairs below each, and repeat
//! until the interval holds at most a few n pairs, which are listed and the wanted one picked in linear
//! time. A round shrinks the interval by a factor of about √n, so from n²/2 pairs two rounds suffice.
//! Two shortcuts: while the interval still holds every pair, the sample is drawn directly from the
//! list of all pairs; and after a sampling round the interval is so narrow that the slopes spread
//! almost evenly across it, so the next bounds are first tried by linear interpolation of the wanted
//! rank, which costs no sample (a failed try only means another sampling round). Should bounds ever
//! stop making progress, the interval is bisected in the order of doubles, at most 64 steps. Correctness
//! never depends on the random choices, only the time does.
//!
//! # Exactness
//! A pair's slope is the exact quotient of its value difference by its time difference in whole
//! seconds, rounded once to the nearest double (`exact::quotient`); rounding that way is monotone, so
//! the k-th smallest rounded slope is the rounding of the k-th smallest exact slope. Every comparison of
//! a point's u with another's is decided exactly (`exact::exact_sign`) whenever the rounded u cannot
//! decide it, so the selection returns the same double as sorting all pairs' slopes. An even number of
//! pairs gives the mean of the two middle slopes; the result is then scaled to a year of 365.25 days.

use std::cmp::Ordering;

use super::exact::{self, exact_sign, two_product, two_sum};
use super::inversions;

/// Seconds in a year of 365.25 days: slopes are reported per such year.
pub const SECONDS_PER_YEAR: f64 = 31_557_600.0;

/// The Theil–Sen slope per year of `(seconds since any epoch, value)` points in any order, over all
/// pairs with distinct times. `None` when there is no such pair. Values must be finite.
pub fn theil_sen(points: &[(i64, f64)]) -> Option<f64> {
    let grouped: Vec<(u32, i64, f64)> = points.iter().map(|&(t, v)| (0, t, v)).collect();
    theil_sen_grouped(&grouped)
}

/// The seasonal Theil–Sen slope per year: the median over pairs with distinct times in the same group
/// (`(group, seconds, value)`, e.g. the calendar month as the group).
pub fn theil_sen_grouped(points: &[(u32, i64, f64)]) -> Option<f64> {
    let prepared = Prepared::new(points);
    prepared.median(DEFAULT_LIMIT_PER_POINT)
}

/// Listing stops the rounds once the interval holds at most this many pairs per point (16 bytes each).
const DEFAULT_LIMIT_PER_POINT: usize = 4;
const MIN_LIMIT: usize = 4096;
/// Samples per round at most, per point.
const SAMPLES_PER_POINT: usize = 1;
/// New bounds sit this many times √r sample places either side of the wanted rank: 2.4 standard
/// deviations of a sample rank, so a round misses the wanted slope about 1.6 % of the time (and then
/// only costs another round).
const MARGIN: f64 = 1.2;

/// Points sorted by (group, time, value), with time in seconds since the earliest point.
struct Prepared {
    /// Time and value side by side: the random accesses of sampling and listing touch one cache line.
    pts: Vec<Pt>,
    /// Each group's index range.
    groups: Vec<(usize, usize)>,
    /// Index ranges of equal times within a group, in order.
    blocks: Vec<(usize, usize)>,
    /// Pairs with distinct times in the same group.
    pairs: u64,
    /// No slope lies outside ±`slope_bound`: value differences over at least one second.
    slope_bound: f64,
    max_t: f64,
    max_abs_v: f64,
}

/// Which pairs a threshold counts: those whose rounded slope is ≤ a double p.
#[derive(Debug, Clone, Copy)]
enum Cut {
    Nothing,
    Everything,
    /// Pairs with exact slope below s0 + s1, or equal to it when `inclusive`.
    At {
        s0: f64,
        s1: f64,
        inclusive: bool,
    },
}

/// A point on its way through the partition of a crossing sequence.
#[derive(Debug, Clone, Copy)]
struct Item {
    key: u32,
    index: u32,
    t: f64,
    v: f64,
}

#[derive(Debug, Clone, Copy)]
struct Pt {
    t: f64,
    v: f64,
}

impl Prepared {
    fn new(points: &[(u32, i64, f64)]) -> Self {
        let order = |a: &(u32, i64, f64), b: &(u32, i64, f64)| {
            a.0.cmp(&b.0).then(a.1.cmp(&b.1)).then((a.2 + 0.0).total_cmp(&(b.2 + 0.0)))
        };
        // Series come in time order already; only sort a copy when they do not.
        let copy;
        let sorted: &[(u32, i64, f64)] = if points.is_sorted_by(|a, b| order(a, b).is_le()) {
            points
        } else {
            let mut owned = points.to_vec();
            owned.sort_unstable_by(order);
            copy = owned;
            &copy
        };
        let t0 = sorted.iter().map(|p| p.1).min().unwrap_or(0);
        let pts: Vec<Pt> =
            sorted.iter().map(|p| Pt { t: (i128::from(p.1) - i128::from(t0)) as f64, v: p.2 + 0.0 }).collect();
        let (mut groups, mut blocks, mut pairs) = (Vec::new(), Vec::new(), 0u64);
        let mut start = 0;
        while start < sorted.len() {
            let end = start + sorted[start..].iter().take_while(|p| p.0 == sorted[start].0).count();
            let size = (end - start) as u64;
            pairs += size * (size - 1) / 2;
            let mut b = start;
            while b < end {
                let e = b + sorted[b..end].iter().take_while(|p| p.1 == sorted[b].1).count();
                let size = (e - b) as u64;
                pairs -= size * (size - 1) / 2;
                blocks.push((b, e));
                b = e;
            }
            groups.push((start, end));
            start = end;
        }
        let max_abs_v = pts.iter().fold(0.0f64, |m, p| m.max(p.v.abs()));
        let max_t = pts.iter().fold(0.0f64, |m, p| m.max(p.t));
        Self { pts, groups, blocks, pairs, slope_bound: 2.0 * max_abs_v, max_t, max_abs_v }
    }

    fn len(&self) -> usize {
        self.pts.len()
    }

    /// The rounded slope of a pair with distinct times.
    fn slope(&self, i: usize, j: usize) -> f64 {
        let (a, b) =
            if self.pts[i].t < self.pts[j].t { (self.pts[i], self.pts[j]) } else { (self.pts[j], self.pts[i]) };
        let (hi, lo) = two_sum(b.v, -a.v);
        exact::quotient(hi, lo, b.t - a.t)
    }

    fn median(&self, limit_per_point: usize) -> Option<f64> {
        if self.pairs == 0 {
            return None;
        }
        let (ka, kb) = if self.pairs % 2 == 1 {
            (self.pairs.div_ceil(2), self.pairs.div_ceil(2))
        } else {
            (self.pairs / 2, self.pairs / 2 + 1)
        };
        let limit = (self.len() * limit_per_point).max(MIN_LIMIT) as u64;
        let mut selection = Selection { p: self, limit, rng: SplitMix64(0x5eed_7e11_5e11_2026) };
        let bottom = Bound { at: f64::NEG_INFINITY, count: 0, order: self.order_at(Cut::Nothing).0 };
        let top = Bound { at: f64::INFINITY, count: self.pairs, order: self.order_at(Cut::Everything).0 };
        let (a, b) = selection.select(bottom, top, ka, kb);
        Some(finish(a, b))
    }

    /// The cut counting pairs whose rounded slope is ≤ `p`.
    fn cut(&self, p: f64) -> Cut {
        if p >= self.slope_bound {
            return Cut::Everything;
        }
        if p < -self.slope_bound {
            return Cut::Nothing;
        }
        if p.abs() < 1e-300 {
            // Differences of normal values over at most 2^53 s are never this small unless zero.
            return Cut::At { s0: 0.0, s1: 0.0, inclusive: p >= 0.0 };
        }
        // Rounded slope ≤ p ⇔ exact slope below the midpoint to the next double, or at it when the
        // tie rounds to p (p even).
        let h = (p.next_up() - p) / 2.0;
        Cut::At { s0: p, s1: h, inclusive: p.to_bits() & 1 == 0 }
    }

    /// Point indices in the order whose inversions against the time order are the counted pairs (by
    /// group, then u = v − s·t; equal u by time, later first when equality counts; then by index), and
    /// the number of those inversions.
    fn order_at(&self, cut: Cut) -> (Vec<u32>, u64) {
        let n = self.len();
        match cut {
            Cut::Nothing => ((0..n as u32).collect(), 0),
            Cut::Everything => {
                let mut order = Vec::with_capacity(n);
                for &(start, end) in &self.groups {
                    let first = self.blocks.partition_point(|b| b.0 < start);
                    let last = self.blocks.partition_point(|b| b.0 < end);
                    for &(a, b) in self.blocks[first..last].iter().rev() {
                        order.extend(a as u32..b as u32);
                    }
                }
                (order, self.pairs)
            }
            Cut::At { s0, s1, inclusive } => {
                // |rounded u − exact u| stays well below `bound`: rounded keys further apart than twice
                // it are in the exact order; runs of nearer ones are sorted again, exactly.
                let bound =
                    2f64.powi(-48) * (self.max_abs_v + s0.abs() * self.max_t) + 4.0 * s1.abs() * self.max_t + 1e-300;
                let mut order = Vec::with_capacity(n);
                // Keys as integers in the order of the doubles (cheaper to compare than total_cmp).
                let mut keyed: Vec<(u64, u32)> = Vec::new();
                for &(start, end) in &self.groups {
                    keyed.clear();
                    keyed.extend((start..end).map(|i| (ordered_bits(self.pts[i].v - s0 * self.pts[i].t), i as u32)));
                    keyed.sort_unstable();
                    let mut run = 0;
                    for k in 1..=keyed.len() {
                        if k == keyed.len()
                            || from_ordered_bits(keyed[k].0) - from_ordered_bits(keyed[k - 1].0) > 2.0 * bound
                        {
                            if k - run > 1 {
                                keyed[run..k].sort_unstable_by(|x, y| {
                                    self.compare_u(x.1 as usize, y.1 as usize, s0, s1, inclusive)
                                });
                            }
                            run = k;
                        }
                    }
                    order.extend(keyed.iter().map(|x| x.1));
                }
                // Groups keep their index ranges, so no inversion crosses groups.
                let count = inversions::count(&order);
                (order, count)
            }
        }
    }

    /// The exact order of points i and j (same group) at threshold s0 + s1.
    fn compare_u(&self, i: usize, j: usize, s0: f64, s1: f64, inclusive: bool) -> Ordering {
        let (a, b) = (self.pts[i], self.pts[j]);
        let dt = a.t - b.t;
        let by_u = if s1 == 0.0 && (s0 == 0.0 || dt == 0.0) {
            a.v.total_cmp(&b.v)
        } else {
            let (dv, dv_err) = two_sum(a.v, -b.v);
            let (p0, p0_err) = two_product(s0, dt);
            let (p1, p1_err) = two_product(s1, dt);
            exact_sign(&[dv, dv_err, -p0, -p0_err, -p1, -p1_err])
        };
        by_u.then_with(|| if inclusive { b.t.total_cmp(&a.t) } else { a.t.total_cmp(&b.t) }).then(i.cmp(&j))
    }

    /// The points in `lo` order, keyed by their position in `hi`: the inversions of the keys are the
    /// pairs counted at hi and not at lo. Time and value ride along so that listing and sampling never
    /// look a point up.
    fn crossing_items(&self, lo: &[u32], hi: &[u32]) -> Vec<Item> {
        let mut position = vec![0u32; self.len()];
        for (k, &i) in hi.iter().enumerate() {
            position[i as usize] = k as u32;
        }
        lo.iter()
            .map(|&i| {
                let p = self.pts[i as usize];
                Item { key: position[i as usize], index: i, t: p.t, v: p.v }
            })
            .collect()
    }
}

/// One end of the interval being narrowed: a threshold, the pairs counted at it, and its order.
#[derive(Clone)]
struct Bound {
    at: f64,
    count: u64,
    order: Vec<u32>,
}

struct Selection<'a> {
    p: &'a Prepared,
    limit: u64,
    rng: SplitMix64,
}

impl Selection<'_> {
    fn bound(&self, at: f64) -> Bound {
        let (order, count) = self.p.order_at(self.p.cut(at));
        Bound { at, count, order }
    }

    /// The rounded slopes of ranks ka ≤ kb (1-based, kb ≤ ka + 1) given lo.count < ka ≤ kb ≤ hi.count.
    fn select(&mut self, mut lo: Bound, mut hi: Bound, ka: u64, kb: u64) -> (f64, f64) {
        let (mut stalled, mut sampled) = (false, false);
        loop {
            let m = hi.count - lo.count;
            if lo.at.next_up() == hi.at {
                // Only one double in (lo, hi]: every pair in it has that slope.
                return (hi.at, hi.at);
            }
            if m <= self.limit {
                return self.pick(&lo, &hi, ka, kb);
            }
            let candidates = if stalled {
                vec![bisect(lo.at, hi.at)]
            } else if sampled && lo.at.is_finite() && hi.at.is_finite() {
                // After a sampling round the interval is narrow and the distribution of slopes across
                // it nearly uniform: interpolating the wanted ranks saves the next sample. If that
                // fails to narrow enough, the round after samples again.
                sampled = false;
                interpolated_pivots(lo.at, hi.at, m, ka - lo.count, kb - lo.count, self.limit)
            } else {
                sampled = true;
                let r = self.sample_size(m);
                let everything = lo.count == 0 && hi.count == self.p.pairs;
                let mut sample =
                    everything.then(|| self.sample_all(r)).flatten().unwrap_or_else(|| self.sample(&lo, &hi, m, r));
                pivots(&mut sample, m, ka - lo.count, kb - lo.count)
            };
            let before = (lo.at, hi.at);
            for at in candidates {
                if at <= lo.at || at >= hi.at {
                    continue;
                }
                let b = self.bound(at);
                if b.count < ka {
                    lo = b;
                } else if b.count >= kb {
                    hi = b;
                } else {
                    // ka ≤ count < kb: the two middle slopes fall either side of `at`.
                    let (a, _) = self.select(lo, b.clone(), ka, ka);
                    let (_, c) = self.select(b, hi, kb, kb);
                    return (a, c);
                }
            }
            stalled = (lo.at, hi.at) == before;
        }
    }

    /// Enough samples that the next interval holds about half the listing limit (the new bounds sit
    /// ±1.5√r sample places from the wanted rank, a share of about 3/√r of the interval), at most
    /// `per_point` per point.
    fn sample_size(&self, m: u64) -> usize {
        let shrink = m as f64 / (self.limit as f64 / 2.0);
        let wanted = (2.0 * MARGIN * shrink).powi(2);
        (wanted.min((self.p.len() * SAMPLES_PER_POINT) as f64) as usize).max(1024)
    }

    /// About `r` pairs drawn uniformly from all pairs with distinct times in the same group (when the
    /// interval still holds every pair), their approximate slopes: offsets into the list of all pairs
    /// of each group, taken by geometric skips, those with equal times dropped. Cheaper than sampling
    /// inversions; `None` if equal times would leave the sample thin.
    fn sample_all(&mut self, r: usize) -> Option<Vec<f64>> {
        let pairs_of = |(start, end): (usize, usize)| {
            let size = (end - start) as u64;
            size * size.saturating_sub(1) / 2
        };
        let total: u64 = self.p.groups.iter().map(|&g| pairs_of(g)).sum();
        if total == 0 {
            return None;
        }
        let mut skip = self.rng.geometric((r as f64 / total as f64).min(1.0));
        let mut offset = skip();
        let mut slopes = Vec::with_capacity(r + r / 8);
        let mut group_offset = 0u64;
        for &(start, end) in &self.p.groups {
            let group_end = group_offset + pairs_of((start, end));
            // Row i pairs point i with each later point of the group.
            let (mut i, mut row_offset) = (start, group_offset);
            while offset < group_end {
                while offset >= row_offset + (end - 1 - i) as u64 {
                    row_offset += (end - 1 - i) as u64;
                    i += 1;
                }
                let j = i + 1 + (offset - row_offset) as usize;
                let (a, b) = (self.p.pts[i], self.p.pts[j]);
                if a.t != b.t {
                    slopes.push((b.v - a.v) / (b.t - a.t));
                }
                offset = offset.saturating_add(1 + skip());
            }
            group_offset = group_end;
        }
        (slopes.len() >= r / 4).then_some(slopes)
    }

    /// About `r` pairs drawn uniformly from those counted at hi and not at lo (the inversions of the
    /// crossing sequence), their approximate slopes. Each inversion is taken independently with
    /// probability r/m, by geometric skips along the runs that `inversions::for_each_run` reports.
    fn sample(&mut self, lo: &Bound, hi: &Bound, m: u64, r: usize) -> Vec<f64> {
        let mut items = self.p.crossing_items(&lo.order, &hi.order);
        let mut skip = self.rng.geometric((r as f64 / m as f64).min(1.0));
        let mut next = skip();
        let (mut seen, mut slopes) = (0u64, Vec::with_capacity(r + r / 8));
        inversions::for_each_run(
            &mut items,
            |it| it.key,
            |earlier, later| {
                let end = seen + earlier.len() as u64;
                while next < end {
                    let x = earlier[(next - seen) as usize];
                    slopes.push((later.v - x.v) / (later.t - x.t));
                    next = next.saturating_add(1 + skip());
                }
                seen = end;
            },
        );
        debug_assert_eq!(seen, m);
        slopes
    }

    /// Lists the pairs in (lo, hi] and picks ranks ka, kb. The listing is ranked by approximate slopes
    /// first; only the pairs within a hair of the wanted ones get exact slopes.
    fn pick(&self, lo: &Bound, hi: &Bound, ka: u64, kb: u64) -> (f64, f64) {
        let mut items = self.p.crossing_items(&lo.order, &hi.order);
        let mut pairs: Vec<(f64, u32, u32)> = Vec::with_capacity((hi.count - lo.count) as usize);
        // At most `limit` (a few per point) inversions: insertion is cheapest.
        inversions::for_each_run_by_insertion(
            &mut items,
            |it| it.key,
            |earlier, later| {
                for x in earlier {
                    pairs.push(((later.v - x.v) / (later.t - x.t), x.index, later.index));
                }
            },
        );
        debug_assert_eq!(pairs.len() as u64, hi.count - lo.count);
        let (la, lb) = ((ka - lo.count) as usize, (kb - lo.count) as usize);
        let by_slope = |x: &(f64, u32, u32), y: &(f64, u32, u32)| x.0.total_cmp(&y.0);
        let qa = pairs.select_nth_unstable_by(la - 1, by_slope).1.0;
        let qb = if lb == la { qa } else { pairs[la..].iter().map(|p| p.0).min_by(f64::total_cmp).unwrap_or(qa) };
        // An approximate slope is within 2^-51 (relative) of the exact one: a band 2^-44 wide holds every
        // pair that could be the wanted one, and a result 2^-48 inside the band cannot be outranked by
        // a pair outside it.
        let scale = qa.abs().max(qb.abs());
        let (low, high) = (qa - (scale * 2f64.powi(-44) + 1e-290), qb + (scale * 2f64.powi(-44) + 1e-290));
        let guard = scale * 2f64.powi(-48) + 1e-300;
        let mut below = 0usize;
        let mut band: Vec<f64> = Vec::new();
        for &(q, i, j) in &pairs {
            if q < low {
                below += 1;
            } else if q <= high {
                band.push(self.p.slope(i as usize, j as usize));
            }
        }
        if below < la && lb - below <= band.len() {
            let (a, b) = nth_two(&mut band, la - below - 1, lb - la);
            if a > low + guard && b < high - guard {
                return (a, b);
            }
        }
        let mut exact: Vec<f64> = pairs.iter().map(|&(_, i, j)| self.p.slope(i as usize, j as usize)).collect();
        nth_two(&mut exact, la - 1, lb - la)
    }
}

/// The element of rank `index` and the one `step` (0 or 1) after it.
fn nth_two(values: &mut [f64], index: usize, step: usize) -> (f64, f64) {
    let (_, a, rest) = values.select_nth_unstable_by(index, f64::total_cmp);
    let a = *a;
    let b = if step == 0 { a } else { rest.iter().copied().min_by(f64::total_cmp).unwrap_or(a) };
    (a, b)
}

/// New bounds from a sample of the m pairs in the interval, for local ranks la ≤ lb: order statistics
/// [`MARGIN`]·√r places outside the wanted ranks. A lower bound that would equal
/// the sample value at the wanted rank is moved just below it, so that a large block of equal slopes is
/// isolated rather than straddled.
fn pivots(sample: &mut [f64], m: u64, la: u64, lb: u64) -> Vec<f64> {
    let r = sample.len();
    if r == 0 {
        return Vec::new();
    }
    let margin = (MARGIN * (r as f64).sqrt()).ceil() as i64 + 1;
    let index = |rank: u64| ((rank as f64 / m as f64) * r as f64) as i64;
    let (ia, ib) = (index(la - 1).clamp(0, r as i64 - 1), index(lb).clamp(0, r as i64 - 1));
    // Order statistics in increasing order, each selected within the part right of the previous one.
    let mut from = 0usize;
    let mut nth = |i: i64| {
        let i = i as usize;
        let value = *sample[from..].select_nth_unstable_by(i - from, f64::total_cmp).1;
        from = i;
        value
    };
    let mut out = Vec::with_capacity(2);
    if ia - margin >= 0 {
        let below = nth(ia - margin);
        let at = nth(ia);
        out.push(if below == at { at.next_down() + 0.0 } else { below });
    }
    if ib + margin < r as i64 {
        out.push(nth(ib + margin));
    }
    out
}

/// A double's bits, mapped so that integer order is the order of the doubles (−0 just below +0).
fn ordered_bits(x: f64) -> u64 {
    let bits = x.to_bits();
    if bits >> 63 == 0 { bits | 1 << 63 } else { !bits }
}

fn from_ordered_bits(k: u64) -> f64 {
    if k >> 63 == 1 { f64::from_bits(k & !(1 << 63)) } else { f64::from_bits(!k) }
}

/// Bounds by linear interpolation of the ranks la ≤ lb between lo (rank 0) and hi (rank m), 0.3 of the
/// listing limit of pairs outside either wanted rank.
fn interpolated_pivots(lo: f64, hi: f64, m: u64, la: u64, lb: u64, limit: u64) -> Vec<f64> {
    let (m, span) = (m as f64, hi - lo);
    let spare = 0.3 * limit as f64 / m;
    let (below, above) = ((la - 1) as f64 / m - spare, lb as f64 / m + spare);
    let mut out = Vec::with_capacity(2);
    if below > 0.0 {
        out.push(lo + below * span);
    }
    if above < 1.0 {
        out.push(lo + above * span);
    }
    out
}

/// The double halfway between two others in the order of doubles.
fn bisect(lo: f64, hi: f64) -> f64 {
    let (a, b) = (ordered_bits(lo), ordered_bits(hi));
    from_ordered_bits(a + (b - a) / 2) + 0.0
}

/// The reported slope from the two middle rounded slopes (equal when the count is odd).
fn finish(a: f64, b: f64) -> f64 {
    f64::midpoint(a, b) * SECONDS_PER_YEAR
}

/// A small, fixed-seed generator for the samples: the result never depends on it, only the time does.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1].
    fn unit(&mut self) -> f64 {
        ((self.next() >> 11) + 1) as f64 / (1u64 << 53) as f64
    }

    /// Draws of the number of failures before a success of probability q: the gaps of a Bernoulli(q)
    /// sample, so that walking a list by 1 + gap takes each element independently with probability q.
    fn geometric(&mut self, q: f64) -> impl FnMut() -> u64 + '_ {
        let log_miss = (-q).ln_1p();
        move || if q >= 1.0 { 0 } else { (self.unit().ln() / log_miss) as u64 }
    }
}

/// The quadratic reference: every pair's rounded slope, sorted. O(n² log n); for tests.
#[cfg(test)]
pub(crate) fn theil_sen_grouped_reference(points: &[(u32, i64, f64)]) -> Option<f64> {
    let p = Prepared::new(points);
    let mut slopes = Vec::new();
    for &(start, end) in &p.groups {
        for i in start..end {
            for j in i + 1..end {
                if p.pts[i].t != p.pts[j].t {
                    slopes.push(p.slope(i, j));
                }
            }
        }
    }
    if slopes.is_empty() {
        return None;
    }
    slopes.sort_unstable_by(f64::total_cmp);
    let n = slopes.len();
    Some(if n % 2 == 1 { finish(slopes[n / 2], slopes[n / 2]) } else { finish(slopes[n / 2 - 1], slopes[n / 2]) })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const DAY: i64 = 86_400;

    fn fast_with_limit(points: &[(u32, i64, f64)], limit_per_point: usize) -> Option<f64> {
        let p = Prepared::new(points);
        if p.pairs == 0 {
            return None;
        }
        let (ka, kb) =
            if p.pairs % 2 == 1 { (p.pairs.div_ceil(2), p.pairs.div_ceil(2)) } else { (p.pairs / 2, p.pairs / 2 + 1) };
        let mut s = Selection { p: &p, limit: (p.len() * limit_per_point).max(1) as u64, rng: SplitMix64(7) };
        let bottom = Bound { at: f64::NEG_INFINITY, count: 0, order: p.order_at(Cut::Nothing).0 };
        let top = Bound { at: f64::INFINITY, count: p.pairs, order: p.order_at(Cut::Everything).0 };
        let (a, b) = s.select(bottom, top, ka, kb);
        Some(finish(a, b))
    }

    #[test]
    fn a_worked_example_over_uneven_time() {
        // Points (day, value): (0, 1), (365.25, 3), (730.5, 2), (1461, 6), i.e. at 0, 1, 2 and 4 years.
        // Slopes per year: (0,1) 2, (0,2) 0.5, (0,4) 1.25, (1,2) −1, (1,4) 1, (2,4) 2.
        // Sorted −1, 0.5, 1, 1.25, 2, 2: median of six is (1 + 1.25)/2 = 1.125.
        let year = 31_557_600;
        let points = [(0, 1.0), (year, 3.0), (2 * year, 2.0), (4 * year, 6.0)];
        let slope = theil_sen(&points).unwrap();
        assert!((slope - 1.125).abs() < 1e-12, "{slope}");
    }

    #[test]
    fn pairs_at_the_same_time_are_left_out() {
        // Days 0, 0, 10: pairs (0,0) skipped; slopes (1 − 0)/10 d and (1 − 2)/10 d: median 0 per year.
        let points = [(0, 0.0), (0, 2.0), (10 * DAY, 1.0)];
        assert_eq!(theil_sen(&points), Some(0.0));
        assert_eq!(theil_sen(&[(5, 1.0), (5, 2.0)]), None);
        assert_eq!(theil_sen(&[]), None);
    }

    #[test]
    fn the_seasonal_slope_only_pairs_values_of_the_same_group() {
        // Group 0 rises by 1 a year, group 1 falls by 3 a year, and the two are offset by 100:
        // within-group slopes are 1, 1, 1 and −3, −3, −3; across groups they would be huge.
        let year = 31_557_600;
        let mut points = Vec::new();
        for k in 0..3 {
            points.push((0, k * year, k as f64));
            points.push((1, k * year + DAY, 100.0 - 3.0 * k as f64));
        }
        // Six slopes: −3 ×3, 1 ×3 (the 0→2 pairs are 1 and −3 too) → median (−3 + 1)/2 = −1, scaled by
        // the time step: the group-1 slopes are over exactly whole years as well.
        let slope = theil_sen_grouped(&points).unwrap();
        assert!((slope + 1.0).abs() < 1e-12, "{slope}");
    }

    #[test]
    fn points_on_one_line_end_in_a_single_block_of_equal_slopes() {
        // Every slope is exactly 2 per second: the selection must isolate them, not list them all.
        let points: Vec<(i64, f64)> = (0..20_000).map(|i| (i, 2.0 * i as f64)).collect();
        assert_eq!(theil_sen(&points), Some(2.0 * SECONDS_PER_YEAR));
    }

    #[test]
    fn station_data_at_the_default_limit_matches_sorting_all_pairs() {
        // Three thousand four-hourly readings, two decimals, a slow rise, a tenth at a detection limit
        // of 0.02, a few gaps; 4.5 million pairs, so the selection samples, interpolates and lists.
        let mut state = 12_345u64;
        let mut uniform = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let (mut t, mut points) = (0i64, Vec::new());
        for _ in 0..3_000 {
            t += 14_400 + if uniform() < 0.01 { 86_400 * 3 } else { 0 };
            let v = if uniform() < 0.1 { 0.02 } else { 0.5 + 2e-9 * t as f64 + 0.3 * uniform() };
            points.push(((t / 2_629_800 % 12) as u32, t, (v * 100.0).round() / 100.0));
        }
        let ungrouped: Vec<_> = points.iter().map(|&(_, t, v)| (0, t, v)).collect();
        assert_eq!(theil_sen_grouped(&ungrouped), theil_sen_grouped_reference(&ungrouped));
        assert_eq!(theil_sen_grouped(&points), theil_sen_grouped_reference(&points));
    }

    fn series() -> impl Strategy<Value = Vec<(u32, i64, f64)>> {
        prop::collection::vec((0u32..3, 0i64..40, 0u32..6, any::<bool>()), 0..160).prop_map(|raw| {
            raw.into_iter()
                .map(|(g, t, k, tenths)| (g, t * 3_600, if tenths { k as f64 / 10.0 } else { k as f64 / 2.0 }))
                .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn selection_equals_sorting_all_pairs(points in series()) {
            let expected = theil_sen_grouped_reference(&points);
            prop_assert_eq!(theil_sen_grouped(&points), expected);
            // Tiny listing limits force the sampling rounds, the tie isolation and the bisection.
            prop_assert_eq!(fast_with_limit(&points, 1), expected);
            let ungrouped: Vec<_> = points.iter().map(|&(_, t, v)| (0, t, v)).collect();
            prop_assert_eq!(fast_with_limit(&ungrouped, 1), theil_sen_grouped_reference(&ungrouped));
        }

        #[test]
        fn selection_equals_sorting_on_irregular_real_values(
            raw in prop::collection::vec((0i64..10_000_000, -1e3f64..1e3), 2..120)
        ) {
            let points: Vec<_> = raw.iter().map(|&(t, v)| (0, t, v)).collect();
            prop_assert_eq!(fast_with_limit(&points, 1), theil_sen_grouped_reference(&points));
        }
    }
}
