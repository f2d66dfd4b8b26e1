//! Inversions of a permutation of 0..n (pairs a < b with seq[a] > seq[b]): counted, and reported in runs
//! from which they are listed or sampled.
//!
//! Rather than a merge sort this is a radix partition from the highest bit down (the construction of a
//! wavelet matrix): at each bit, each bucket of values sharing the higher bits is split stably into its
//! 0s and its 1s, and every 0 is inverted with the 1s of its bucket that came before it. Each inverted
//! pair meets exactly once, at the highest bit where the two values differ. Because the input is a
//! permutation, the buckets' places are known in advance, so a level is one pass without branches on
//! the data (a merge mispredicts about every other comparison). (Four classes per level, halving the
//! passes, measured slower.)

/// The number of inversions of `perm`, a permutation of 0..n: [`for_each_run`] reduced to counting.
pub(crate) fn count(perm: &[u32]) -> u64 {
    let n = perm.len();
    if n < 2 {
        return 0;
    }
    debug_assert!(is_permutation(perm, |x| *x));
    let levels = usize::BITS - (n - 1).leading_zeros();
    let (mut from, mut to) = (perm.to_vec(), vec![0u32; n]);
    let mut inversions = 0u64;
    for bit in (0..levels).rev() {
        let (width, half) = (2usize << bit, 1usize << bit);
        for start in (0..n).step_by(width) {
            let end = (start + width).min(n);
            // The bucket holds the values start..end; those below start + half have a 0 here.
            let ones_start = (start + half).min(n);
            let (mut zero, mut one) = (start, ones_start);
            for &x in &from[start..end] {
                let is_one = ((x >> bit) & 1) as usize;
                inversions += ((one - ones_start) * (1 - is_one)) as u64;
                to[zero + is_one * (one - zero)] = x;
                one += is_one;
                zero += 1 - is_one;
            }
        }
        std::mem::swap(&mut from, &mut to);
    }
    inversions
}

/// Reports every inversion of the keys of `items` (a permutation of 0..n), grouped: `run(earlier,
/// later)` says that each element of `earlier` came before `later` and has a greater key. The runs come
/// in a fixed order and their lengths add up to the number of inversions, so an offset into that
/// sequence names one inversion, which is how they are sampled. Leaves `items` sorted by key.
pub(crate) fn for_each_run<T: Copy>(items: &mut [T], key: impl Fn(&T) -> u32, mut run: impl FnMut(&[T], &T)) {
    let n = items.len();
    if n < 2 {
        return;
    }
    debug_assert!(is_permutation(items, &key));
    let levels = usize::BITS - (n - 1).leading_zeros();
    let mut buffer = items.to_vec();
    let (mut from, mut to): (&mut [T], &mut [T]) = (items, &mut buffer);
    let mut in_buffer = false;
    for bit in (0..levels).rev() {
        let (width, half) = (2usize << bit, 1usize << bit);
        for start in (0..n).step_by(width) {
            let end = (start + width).min(n);
            let ones_start = (start + half).min(n);
            let (mut zero, mut one) = (start, ones_start);
            // A 1 reports an empty run, so that nothing branches on the bit.
            for &x in &from[start..end] {
                let is_one = (key(&x) >> bit) & 1 == 1;
                let run_start = if is_one { one } else { ones_start };
                run(&to[run_start..one], &x);
                let slot = if is_one { one } else { zero };
                to[slot] = x;
                one += usize::from(is_one);
                zero += usize::from(!is_one);
            }
        }
        std::mem::swap(&mut from, &mut to);
        in_buffer = !in_buffer;
    }
    if in_buffer {
        to.copy_from_slice(from);
    }
}

/// As [`for_each_run`], by insertion: O(n + inversions) with sequential memory access, the better choice
/// when there are few inversions per element.
pub(crate) fn for_each_run_by_insertion<T: Copy>(
    items: &mut [T],
    key: impl Fn(&T) -> u32,
    mut run: impl FnMut(&[T], &T),
) {
    for i in 1..items.len() {
        let x = items[i];
        let k = key(&x);
        let mut j = i;
        while j > 0 && key(&items[j - 1]) > k {
            j -= 1;
        }
        if j == i {
            continue;
        }
        run(&items[j..i], &x);
        items.copy_within(j..i, j + 1);
        items[j] = x;
    }
}

fn is_permutation<T>(items: &[T], key: impl Fn(&T) -> u32) -> bool {
    let mut seen = vec![false; items.len()];
    items.iter().all(|x| {
        let k = key(x) as usize;
        k < seen.len() && !std::mem::replace(&mut seen[k], true)
    })
}

/// A permutation with the inversions of `values` compared by `less`, ties not inverted: each value's
/// place in a stable sort.
pub(crate) fn ranks_by<T>(values: &[T], less: impl Fn(&T, &T) -> bool) -> Vec<u32> {
    let mut order: Vec<u32> = (0..values.len() as u32).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&values[a as usize], &values[b as usize]);
        if less(x, y) {
            std::cmp::Ordering::Less
        } else if less(y, x) {
            std::cmp::Ordering::Greater
        } else {
            std::cmp::Ordering::Equal
        }
    });
    let mut rank = vec![0u32; values.len()];
    for (k, &i) in order.iter().enumerate() {
        rank[i as usize] = k as u32;
    }
    rank
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn pairwise(seq: &[u32]) -> Vec<(u32, u32)> {
        let mut pairs = Vec::new();
        for a in 0..seq.len() {
            for b in a + 1..seq.len() {
                if seq[a] > seq[b] {
                    pairs.push((seq[a], seq[b]));
                }
            }
        }
        pairs
    }

    #[test]
    fn a_reversed_run_has_every_pair_inverted_and_the_identity_none() {
        let seq: Vec<u32> = (0..100).rev().collect();
        assert_eq!(count(&seq), 4950);
        assert_eq!(count(&(0..100).collect::<Vec<_>>()), 0);
        assert_eq!(count(&[]), 0);
        assert_eq!(count(&[0]), 0);
    }

    #[test]
    fn ties_in_ranked_values_are_not_inversions() {
        // 3, 1, 3, 2: inversions (3,1), (3,2), (3,2); the two 3s are not one.
        let ranks = ranks_by(&[3, 1, 3, 2], |a, b| a < b);
        assert_eq!(ranks, [2, 0, 3, 1]);
        assert_eq!(count(&ranks), 3);
    }

    proptest! {
        #[test]
        fn runs_list_each_inversion_once(raw in prop::collection::vec(any::<u32>(), 0..300)) {
            let seq = ranks_by(&raw, |a, b| a < b);
            let want = pairwise(&seq);
            prop_assert_eq!(count(&seq), want.len() as u64);
            let mut listed = Vec::new();
            let mut items = seq.clone();
            for_each_run(&mut items, |x| *x, |earlier, later| {
                listed.extend(earlier.iter().map(|&x| (x, *later)));
            });
            prop_assert!(items.iter().enumerate().all(|(k, &x)| x as usize == k));
            let mut by_insertion = Vec::new();
            let mut items = seq.clone();
            for_each_run_by_insertion(&mut items, |x| *x, |earlier, later| {
                by_insertion.extend(earlier.iter().map(|&x| (x, *later)));
            });
            prop_assert!(items.iter().enumerate().all(|(k, &x)| x as usize == k));
            listed.sort_unstable();
            by_insertion.sort_unstable();
            let mut want = want;
            want.sort_unstable();
            prop_assert_eq!(&listed, &want);
            prop_assert_eq!(by_insertion, want);
        }
    }
}
