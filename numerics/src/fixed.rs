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
/// Exact in i64: state values satisfy |x| <= 2^31 (state_bits <= 32) and d <= 2^18
/// (validated), so |x · d| + 2^15 < 2^50.
#[inline]
pub fn mul_q16(x: i64, d: u32) -> i64 {
    (x * i64::from(d) + (1 << (DECAY_FRAC - 1))) >> DECAY_FRAC
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

/// [`sat`] for values already in i64 (sums of two state values never leave i64).
#[inline]
pub fn sat64(x: i64, bits: u32) -> (i64, bool) {
    let (lo, hi) = range(bits);
    if x > hi {
        (hi, true)
    } else if x < lo {
        (lo, true)
    } else {
        (x, false)
    }
}

/// Rescale an exact accumulator by `2^-shift` (round half up when shifting right,
/// exact when shifting left) and saturate to `bits`.
#[inline]
pub fn rescale_sat(acc: i64, shift: i32, bits: u32) -> (i64, bool) {
    if shift >= 0 {
        // Right shifts never grow the value; the rounding add is done in i128 only when
        // acc is within 2^(k-1) of the i64 limit (never for validated accumulators).
        let k = shift.unsigned_abs();
        let v = if k == 0 {
            acc
        } else if k < 63 {
            match acc.checked_add(1i64 << (k - 1)) {
                Some(a) => a >> k,
                None => rshr(i128::from(acc), k) as i64,
            }
        } else {
            rshr(i128::from(acc), k) as i64
        };
        return sat64(v, bits);
    }
    // Left shift: exact in i64 when it does not overflow, else via i128 (saturates).
    let l = shift.unsigned_abs();
    if l < 63 {
        if let Some(v) = acc.checked_mul(1i64 << l) {
            return sat64(v, bits);
        }
    }
    let a = i128::from(acc);
    let v = if l >= 64 {
        // Anything nonzero saturates; avoid an out-of-range shift.
        if a == 0 {
            0
        } else {
            a.signum() << 100
        }
    } else {
        a << l
    };
    sat(v, bits)
}

/// The leaky filter `rshr(C·i + D·s, 16)` with `C = 2^16 - D` (spec step 2).
/// Exact in i64 for state values (|i|, |s| <= 2^31; C, D <= 2^16).
#[inline]
pub fn filter(i: i64, s: i64, d: u32) -> i64 {
    let c = i64::from(DECAY_ONE - d);
    (c * i + i64::from(d) * s + (1 << (DECAY_FRAC - 1))) >> DECAY_FRAC
}

/// Most nonzero signed digits a decay constant may have under `arithmetic = "shift"`
/// (docs/numerics.md section 11): `x·D` is then at most three shifted copies of `x`
/// added or subtracted, e.g. `D = 2^16 - 2^10 - 2^8` (τ ≈ 50.7).
pub const SHIFT_DIGITS: u32 = 3;

/// The canonical signed-digit (non-adjacent) form of `k`: bit masks of its `+1` and
/// `-1` digits, `k = pos - neg`. It has the fewest nonzero digits of any signed-binary
/// form, so it is what a shift-and-add constant multiplier builds.
pub fn csd(k: u64) -> (u128, u128) {
    let (mut pos, mut neg) = (0u128, 0u128);
    let mut x = u128::from(k);
    let mut i = 0;
    while x != 0 {
        if x & 1 == 1 {
            if x & 3 == 1 {
                pos |= 1 << i;
                x -= 1;
            } else {
                neg |= 1 << i;
                x += 1;
            }
        }
        x >>= 1;
        i += 1;
    }
    (pos, neg)
}

/// Nonzero digits of [`csd`]`(k)`.
pub fn signed_digits(k: u64) -> u32 {
    let (p, n) = csd(k);
    p.count_ones() + n.count_ones()
}

/// Number of bits needed for an unsigned value (0 needs 0 bits).
pub fn bits_for(v: u64) -> u32 {
    64 - v.leading_zeros()
}
