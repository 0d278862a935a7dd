//! Property tests of the spec's arithmetic (docs/numerics.md) against a second,
//! differently written reference: exact rationals as (numerator, denominator) in i128
//! with Euclidean (flooring) division, instead of shifts.

use asnn_numerics::fixed::{csd, filter, mul_q16, range, rescale_sat, rshr, sat, signed_digits};
use asnn_numerics::synapse::FanOut;
use asnn_numerics::{deliver, Coding, Conn};
use proptest::prelude::*;

/// round-half-up(n / d) = floor(n/d + 1/2) = floor((2n + d) / 2d), d > 0.
fn round_half_up(n: i128, d: i128) -> i128 {
    (2 * n + d).div_euclid(2 * d)
}

fn clamp_bits(x: i128, bits: u32) -> i128 {
    let lo = -(1i128 << (bits - 1));
    let hi = (1i128 << (bits - 1)) - 1;
    x.max(lo).min(hi)
}

const STATE: std::ops::RangeInclusive<i64> = -(1i64 << 31)..=(1i64 << 31) - 1;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    /// The canonical signed-digit form the shift arithmetic (section 11) and the RTL's
    /// `asnn_const_mul` build products from: exact, non-adjacent, never more digits
    /// than plain binary.
    #[test]
    fn csd_is_exact_non_adjacent_and_minimal(k in 0u64..(1u64 << 40)) {
        let (p, n) = csd(k);
        prop_assert_eq!(p & n, 0);
        prop_assert_eq!(i128::try_from(p).unwrap() - i128::try_from(n).unwrap(), i128::from(k));
        let d = p | n;
        prop_assert_eq!(d & (d >> 1), 0, "adjacent nonzero digits in {:b}", d);
        prop_assert!(signed_digits(k) <= k.count_ones());
    }

    #[test]
    fn rshr_is_round_half_up(x in -(1i128 << 100)..(1i128 << 100), k in 0u32..40) {
        prop_assert_eq!(rshr(x, k), round_half_up(x, 1i128 << k));
    }

    #[test]
    fn decay_matches_rational(x in STATE, d in 0u32..65536) {
        let want = round_half_up(i128::from(x) * i128::from(d), 65536);
        prop_assert_eq!(i128::from(mul_q16(x, d)), want);
    }

    #[test]
    fn decay_never_grows(x in STATE, d in 0u32..65536) {
        // The spec's "no saturation needed" claim for steps 5 and 8.
        prop_assert!(mul_q16(x, d).unsigned_abs() <= x.unsigned_abs());
    }

    #[test]
    fn adaptation_matches_rational(theta in 1i64..(1i64 << 31), m in 1u32..=(1 << 18)) {
        let want = round_half_up(i128::from(theta) * i128::from(m), 65536);
        prop_assert_eq!(i128::from(mul_q16(theta, m)), want);
    }

    #[test]
    fn filter_matches_rational_and_stays_in_range(bits in 8u32..=32, i in STATE, s in STATE, d in 0u32..65536) {
        let (lo, hi) = range(bits);
        let (i, s) = (i.clamp(lo, hi), s.clamp(lo, hi));
        let got = filter(i, s, d);
        let want = round_half_up(i128::from(65536 - d) * i128::from(i) + i128::from(d) * i128::from(s), 65536);
        prop_assert_eq!(i128::from(got), want);
        // "No saturation needed" for step 2: a rounded convex combination stays in range.
        prop_assert!(got >= lo && got <= hi);
    }

    #[test]
    fn sat_is_clamp(x in -(1i128 << 70)..(1i128 << 70), bits in 8u32..=32) {
        let (v, clamped) = sat(x, bits);
        prop_assert_eq!(i128::from(v), clamp_bits(x, bits));
        prop_assert_eq!(clamped, i128::from(v) != x);
    }

    #[test]
    fn rescale_matches_rational(acc in -(1i64 << 60)..(1i64 << 60), shift in -40i32..40, bits in 8u32..=32) {
        let exact = if shift >= 0 {
            round_half_up(i128::from(acc), 1i128 << shift)
        } else {
            i128::from(acc) * (1i128 << (-shift))
        };
        let (v, c) = rescale_sat(acc, shift, bits);
        prop_assert_eq!(i128::from(v), clamp_bits(exact, bits));
        prop_assert_eq!(c, clamp_bits(exact, bits) != exact);
    }

    #[test]
    fn rescale_extreme_left_shift_saturates(acc in -1000i64..1000, shift in -200i32..-64) {
        let (v, c) = rescale_sat(acc, shift, 16);
        prop_assert_eq!(v, match acc.signum() { 1 => 32767, -1 => -32768, _ => 0 });
        prop_assert_eq!(c, acc != 0);
    }

    /// Spec section 4: a step's synaptic input does not depend on event order, and
    /// it differs from what saturating after every event would give.
    #[test]
    fn delivery_is_order_independent(
        n_in in 1usize..24, n_out in 1usize..8,
        seed in any::<u64>(),
        graded in any::<bool>(),
    ) {
        let mut r = seed | 1;
        let mut next = || { r ^= r << 13; r ^= r >> 7; r ^= r << 17; r };
        let weights: Vec<i32> = (0..n_in * n_out).map(|_| (next() % 255) as i32 - 127).collect();
        let fan = FanOut::new(&Conn::Dense { n_in, n_out });
        let coding = if graded { Coding::Graded } else { Coding::Binary };
        let mut spikes: Vec<(u32, i64)> = Vec::new();
        for i in 0..n_in as u32 {
            if next() % 2 == 0 {
                spikes.push((i, (next() % 100_000) as i64 + 1));
            }
        }
        let mut a = vec![0i64; n_out];
        deliver(&weights, &fan, coding, &spikes, &mut a);
        // Reverse and rotate: any other order.
        spikes.reverse();
        if !spikes.is_empty() { let k = (next() as usize) % spikes.len(); spikes.rotate_left(k); }
        let mut b = vec![0i64; n_out];
        deliver(&weights, &fan, coding, &spikes, &mut b);
        prop_assert_eq!(&a, &b);
        // Independent sum.
        for j in 0..n_out {
            let want: i128 = spikes.iter().map(|&(i, p)| i128::from(weights[i as usize * n_out + j]) * i128::from(if graded { p } else { 1 })).sum();
            prop_assert_eq!(i128::from(a[j]), want);
        }
    }
}

#[test]
fn per_event_saturation_would_depend_on_order() {
    // Why the spec sums exactly and saturates once: with an 8-bit accumulator,
    // +100, +100, -100 gives 27 (sat at 127 first) but -100, +100, +100 gives 100.
    let step = |acc: i64, x: i64| sat(i128::from(acc + x), 8).0;
    let a = [100, 100, -100].iter().fold(0, |s, &x| step(s, x));
    let b = [-100, 100, 100].iter().fold(0, |s, &x| step(s, x));
    assert_ne!(a, b);
    assert_eq!(sat(i128::from(100 + 100 - 100), 8).0, 100);
}

#[test]
fn decay_has_documented_fixed_points() {
    // docs/numerics.md: with tau = 50 (D = 64238) small positive values stick.
    let d = 64238;
    assert_eq!(mul_q16(25, d), 25);
    assert_eq!(mul_q16(26, d), 25);
    assert_eq!(mul_q16(-1, d), -1);
}
