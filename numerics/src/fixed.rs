//! The arithmetic primitives of `docs/numerics.md`, written once.

/// Fractional bits of every decay and adaptation constant (`K` in the spec).
pub const DECAY_FRAC: u32 = 16;

/// `1.0` in the decay format.
pub const DECAY_ONE: u32 = 1 << DECAY_FRAC;

/// Round-half-up right shift: `(x + 2^(k-1)) >> k`, arithmetic shift; `k = 0` is identity.
#[inline]
pub fn rshr(x: i128, k: u32) -> i128 {
    if k == 0 {
        x
    } else {
        (x + (1i128 << (k - 1))) >> k
    }
}

/// `rshr(x · d, 16)`: multiply by a decay (or m_f) constant in Q0.16 and round.
#[inline]
pub fn mul_q16(x: i64, d: u32) -> i64 {
    // |x| < 2^32 and d <= 2^18 by validation, so the result fits i64.
    rshr(i128::from(x) * i128::from(d), DECAY_FRAC) as i64
}

/// Smallest and largest value of a `bits`-wide two's-complement integer.
#[inline]
pub fn range(bits: u32) -> (i64, i64) {
    let hi = (1i64 << (bits - 1)) - 1;
    (-hi - 1, hi)
}

/// Saturate to `bits`; the flag tells whether the value was clamped.
#[inline]
pub fn sat(x: i128, bits: u32) -> (i64, bool) {
    let (lo, hi) = range(bits);
    if x > i128::from(hi) {
        (hi, true)
    } else if x < i128::from(lo) {
        (lo, true)
    } else {
        (x as i64, false)
    }
}

/// Rescale an exact accumulator by `2^-shift` (round half up when shifting right,
/// exact when shifting left) and saturate to `bits`.
#[inline]
pub fn rescale_sat(acc: i64, shift: i32, bits: u32) -> (i64, bool) {
    let a = i128::from(acc);
    let v = if shift >= 0 {
        rshr(a, shift.unsigned_abs())
    } else {
        let l = shift.unsigned_abs();
        if l >= 64 {
            // Anything nonzero saturates; avoid an out-of-range shift.
            if a == 0 {
                0
            } else {
                a.signum() << 100
            }
        } else {
            a << l
        }
    };
    sat(v, bits)
}

/// The leaky filter `rshr(C·i + D·s, 16)` with `C = 2^16 - D` (spec step 2).
#[inline]
pub fn filter(i: i64, s: i64, d: u32) -> i64 {
    let c = i128::from(DECAY_ONE - d);
    rshr(
        c * i128::from(i) + i128::from(d) * i128::from(s),
        DECAY_FRAC,
    ) as i64
}

/// Number of bits needed for an unsigned value (0 needs 0 bits).
pub fn bits_for(v: u64) -> u32 {
    64 - v.leading_zeros()
}
