//! Exact decisions on sums and quotients of doubles, so that the fast slope selection and the quadratic
//! reference rank every pair the same way, bit for bit.
//!
//! Error-free transformations (Knuth's two-sum, Dekker's two-product) turn `a + b` and `a · b` into an
//! exact pair (rounded result, rounding error); a short sum of such pairs is then added up as a
//! non-overlapping expansion, whose largest component carries the sign of the exact sum (J. R. Shewchuk,
//! "Adaptive precision floating-point arithmetic and fast robust geometric predicates", 1997). Valid for
//! finite values away from overflow (|x| < 2^995) and from the subnormal range, which water-quality
//! values and time spans in seconds never approach.

use std::cmp::Ordering;

/// `a + b` as `(s, e)` with `s = fl(a + b)` and `s + e = a + b` exactly.
#[inline]
pub(crate) fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

/// Splits a double into two halves of at most 26 significant bits each (Veltkamp).
#[inline]
fn split(a: f64) -> (f64, f64) {
    let c = 134_217_729.0 * a; // 2^27 + 1
    let hi = c - (c - a);
    (hi, a - hi)
}

/// `a · b` as `(p, e)` with `p = fl(a · b)` and `p + e = a · b` exactly. Dekker's method rather than
/// `mul_add`, which is a slow software routine on targets built without FMA.
#[inline]
pub(crate) fn two_product(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    let (ah, al) = split(a);
    let (bh, bl) = split(b);
    (p, ((ah * bh - p) + ah * bl + al * bh) + al * bl)
}

/// The sign of the exact sum of `terms` (at most 8), compared with zero.
pub(crate) fn exact_sign(terms: &[f64]) -> Ordering {
    debug_assert!(terms.len() <= 8);
    let mut expansion = [0.0f64; 8];
    let mut len = 0;
    // Grow-expansion: after each step `expansion[..len]` is non-overlapping, smallest first.
    for &term in terms {
        let mut q = term;
        for component in expansion.iter_mut().take(len) {
            let (s, e) = two_sum(q, *component);
            *component = e;
            q = s;
        }
        expansion[len] = q;
        len += 1;
    }
    expansion[..len].iter().rev().find(|c| **c != 0.0).map_or(Ordering::Equal, |c| c.total_cmp(&0.0))
}

/// `(hi + lo) / d` rounded once to the nearest double, ties to even, for `d > 0` a double whose
/// products with doubles are exact in two parts (any integer below 2^53 is).
///
/// Correct rounding makes the result a non-decreasing function of the exact quotient, which is what
/// lets the selection count pairs by comparing exact slopes with a threshold.
pub(crate) fn quotient(hi: f64, lo: f64, d: f64) -> f64 {
    let mut q = hi / d;
    if lo == 0.0 {
        // IEEE division is itself correctly rounded.
        return q + 0.0;
    }
    // Usually x = q + (hi − q·d + lo)/d is so close to q that no neighbour can be nearer: the remainder
    // hi − q·d is exact (a property of correctly rounded division) and computing (rem + lo) rounds by
    // far less than the 10 % of a gap this test leaves spare.
    let (qd, qe) = two_product(q, d);
    let rem = (hi - qd) - qe;
    let gap = (q.next_up() - q).min(q - q.next_down());
    if (rem + lo).abs() < 0.4 * gap * d {
        return q + 0.0;
    }
    // `q` is within two units in the last place of the exact quotient x; step towards x while x lies
    // beyond the midpoint to a neighbour. Each test is the exact sign of hi + lo − m·d for a midpoint
    // m = q ± h, h half the gap to the neighbour (a power of two, so h·d is exact).
    for _ in 0..4 {
        let (qd, qe) = two_product(q, d);
        let up = q.next_up();
        let h_up = (up - q) / 2.0;
        match exact_sign(&[hi, lo, -qd, -qe, -(h_up * d)]) {
            Ordering::Greater => {
                q = up;
                continue;
            }
            Ordering::Equal => return even_of(q, up) + 0.0,
            Ordering::Less => {}
        }
        let down = q.next_down();
        let h_down = (q - down) / 2.0;
        match exact_sign(&[hi, lo, -qd, -qe, h_down * d]) {
            Ordering::Less => q = down,
            Ordering::Equal => return even_of(q, down) + 0.0,
            Ordering::Greater => return q + 0.0,
        }
    }
    q + 0.0
}

fn even_of(a: f64, b: f64) -> f64 {
    if a.to_bits() & 1 == 0 { a } else { b }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_sum_and_two_product_lose_nothing() {
        let (s, e) = two_sum(1.0, 1e-20);
        assert_eq!((s, e), (1.0, 1e-20));
        // (1 + 2^-30)^2 = 1 + 2^-29 + 2^-60: the last term does not fit in the rounded product.
        let x = 1.0 + 2f64.powi(-30);
        let (p, e) = two_product(x, x);
        assert_eq!(p, 1.0 + 2f64.powi(-29));
        assert_eq!(e, 2f64.powi(-60));
    }

    #[test]
    fn exact_sign_sees_what_rounded_sums_lose() {
        // In doubles 1e16 + 1 − 1e16 is 0 and the −1 would make it negative; exactly it is 0.
        assert_eq!(exact_sign(&[1e16, 1.0, -1e16, -1.0]), Ordering::Equal);
        assert_eq!(exact_sign(&[1e16, 1.0, -1e16]), Ordering::Greater);
        assert_eq!(exact_sign(&[1e16, -1e16, -1e-300]), Ordering::Less);
        assert_eq!(exact_sign(&[]), Ordering::Equal);
    }

    #[test]
    fn quotient_of_an_exact_numerator_is_plain_division() {
        for (a, d) in [(1.0, 3.0), (-2.0, 7.0), (0.0, 5.0), (123.456, 86_400.0)] {
            assert_eq!(quotient(a, 0.0, d), a / d);
        }
        assert!(quotient(-0.0, 0.0, 3.0).is_sign_positive());
    }

    /// RN(num · 2^scale / den) for positive integers, ties to even, by integer arithmetic alone.
    fn rounded_ratio(num: u128, scale: i32, den: u128) -> f64 {
        let (mut n, mut d, mut e) = (num, den, 0i32);
        while n / d >= 1 << 53 {
            d <<= 1;
            e += 1;
        }
        while n / d < 1 << 52 {
            n <<= 1;
            e -= 1;
        }
        let (q, r) = (n / d, n % d);
        let q = if 2 * r > d || (2 * r == d && q % 2 == 1) { q + 1 } else { q };
        q as f64 * 2f64.powi(e + scale)
    }

    #[test]
    fn quotient_rounds_a_two_part_numerator_once() {
        // 2^60 − 3·2^-10 needs 81 bits; x = (2^70 − 3) / (7 · 2^10).
        let expected = rounded_ratio((1 << 70) - 3, -10, 7);
        assert_eq!(quotient(2f64.powi(60), -3.0 * 2f64.powi(-10), 7.0), expected);
        assert_eq!(quotient(-(2f64.powi(60)), 3.0 * 2f64.powi(-10), 7.0), -expected);

        // Random numerators a + b with a = A·2^-30, b = B·2^-80 (exact in 101 bits), odd divisors.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut differed = 0;
        for _ in 0..20_000 {
            let a_int = next() >> 14; // < 2^50
            let b_int = next() >> 12; // < 2^52
            let d = ((next() >> 44) | 1) as f64; // odd, < 2^20
            let (a, b) = (a_int as f64 * 2f64.powi(-30), b_int as f64 * 2f64.powi(-80));
            let (hi, lo) = two_sum(a, b);
            let num = ((a_int as u128) << 50) + b_int as u128;
            let expected = rounded_ratio(num, -80, d as u128);
            assert_eq!(quotient(hi, lo, d), expected, "a = {a}, b = {b}, d = {d}");
            differed += usize::from(hi / d != expected);
        }
        // The test would be empty if the low part never mattered.
        assert!(differed > 0);
    }
}
