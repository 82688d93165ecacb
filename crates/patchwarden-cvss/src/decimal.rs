//! A tiny exact decimal type for the v2 and v3 equations.
//!
//! The FIRST equations are written in decimal and the reference implementation
//! (Python `cvss`, which the differential test treats as the judge) evaluates
//! them with `decimal.Decimal`, so `0.6 * 4.5` is exactly `2.7` there. Binary
//! `f64` would put some results a hair below a rounding boundary and round
//! them the wrong way, so v2 and v3 are computed here as `mantissa × 10^-scale`
//! on `i128`.
//!
//! Every sum and product the v2/v3 equations make is exact in this
//! representation (at most 23 decimals, values below 100). The only inexact
//! step is the `^15` / `^13` power of the v3 scope-changed impact equation, which
//! is kept to [`MAX_SCALE`] decimals (truncated), that is far finer than the
//! 28 significant digits of Python's default decimal context: no reachable
//! value lies that close to a rounding boundary (see the exhaustive test in
//! `v3.rs`).

use core::cmp::Ordering;

/// Decimals kept after a multiplication; more are truncated toward zero.
pub(crate) const MAX_SCALE: u32 = 32;

/// `mantissa × 10^-scale`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dec {
    mantissa: i128,
    scale: u32,
}

const fn pow10(exp: u32) -> i128 {
    let mut value: i128 = 1;
    let mut i = 0;
    while i < exp {
        value *= 10;
        i += 1;
    }
    value
}

impl Dec {
    pub(crate) const ZERO: Dec = Dec::new(0, 0);
    pub(crate) const ONE: Dec = Dec::new(1, 0);
    pub(crate) const TEN: Dec = Dec::new(10, 0);

    /// `mantissa × 10^-scale`, e.g. `Dec::new(395, 3)` is `0.395`.
    pub(crate) const fn new(mantissa: i128, scale: u32) -> Dec {
        Dec { mantissa, scale }
    }

    /// A score given in tenths (`78` is `7.8`).
    pub(crate) const fn from_tenths(tenths: i64) -> Dec {
        Dec::new(tenths as i128, 1)
    }

    /// Brings both operands to the same scale (the larger one).
    fn aligned(self, other: Dec) -> (i128, i128, u32) {
        let scale = self.scale.max(other.scale);
        let a = self
            .mantissa
            .saturating_mul(pow10(scale.saturating_sub(self.scale)));
        let b = other
            .mantissa
            .saturating_mul(pow10(scale.saturating_sub(other.scale)));
        (a, b, scale)
    }

    pub(crate) fn add(self, other: Dec) -> Dec {
        let (a, b, scale) = self.aligned(other);
        Dec::new(a.saturating_add(b), scale)
    }

    pub(crate) fn sub(self, other: Dec) -> Dec {
        let (a, b, scale) = self.aligned(other);
        Dec::new(a.saturating_sub(b), scale)
    }

    /// Drops the last decimal (truncating toward zero).
    fn drop_digit(self) -> Dec {
        Dec::new(self.mantissa / 10, self.scale.saturating_sub(1))
    }

    /// Product, exact up to [`MAX_SCALE`] decimals.
    pub(crate) fn mul(self, other: Dec) -> Dec {
        let (mut a, mut b) = (self, other);
        loop {
            if let Some(product) = a.mantissa.checked_mul(b.mantissa) {
                let mut result = Dec::new(product, a.scale + b.scale);
                while result.scale > MAX_SCALE {
                    result = result.drop_digit();
                }
                return result;
            }
            // Too many digits for i128: give up the least significant decimal
            // of the operand that carries more of them.
            if a.scale >= b.scale && a.scale > 0 {
                a = a.drop_digit();
            } else if b.scale > 0 {
                b = b.drop_digit();
            } else {
                // Integers beyond 10^19 each: unreachable from CVSS inputs.
                let positive = (a.mantissa < 0) == (b.mantissa < 0);
                return Dec::new(if positive { i128::MAX } else { i128::MIN }, 0);
            }
        }
    }

    /// `self^exponent` by repeated multiplication.
    pub(crate) fn powi(self, exponent: u32) -> Dec {
        let mut result = Dec::ONE;
        for _ in 0..exponent {
            result = result.mul(self);
        }
        result
    }

    pub(crate) fn min(self, other: Dec) -> Dec {
        if self <= other { self } else { other }
    }

    pub(crate) fn is_zero(self) -> bool {
        self.mantissa == 0
    }

    /// Splits `self × 10` into its integer part (toward zero) and whether a
    /// remainder exists, as `(quotient, remainder, divisor)`.
    fn tenths_parts(self) -> (i128, i128, i128) {
        if self.scale == 0 {
            return (self.mantissa.saturating_mul(10), 0, 1);
        }
        let divisor = pow10(self.scale - 1);
        (self.mantissa / divisor, self.mantissa % divisor, divisor)
    }

    /// Round to one decimal, ties away from zero (Python `ROUND_HALF_UP`,
    /// the v2 guide's `round_to_1_decimal`). Returns tenths.
    pub(crate) fn round_half_up_tenths(self) -> i64 {
        let (quotient, remainder, divisor) = self.tenths_parts();
        let twice = remainder.saturating_abs().saturating_mul(2);
        let rounded = if twice >= divisor {
            quotient + remainder.signum()
        } else {
            quotient
        };
        clamp_i64(rounded)
    }

    /// Smallest number with one decimal that is ≥ `self` (Python
    /// `ROUND_CEILING`, the v3.0 "Round up"). Returns tenths.
    pub(crate) fn ceil_tenths(self) -> i64 {
        let (quotient, remainder, _) = self.tenths_parts();
        clamp_i64(if remainder > 0 {
            quotient + 1
        } else {
            quotient
        })
    }

    /// Round to the nearest integer, ties away from zero (JavaScript
    /// `Math.round` and Python `round` agree on every value reachable here).
    pub(crate) fn round_to_integer(self) -> i128 {
        if self.scale == 0 {
            return self.mantissa;
        }
        let divisor = pow10(self.scale);
        let (quotient, remainder) = (self.mantissa / divisor, self.mantissa % divisor);
        if remainder.saturating_abs().saturating_mul(2) >= divisor {
            quotient + remainder.signum()
        } else {
            quotient
        }
    }
}

fn clamp_i64(value: i128) -> i64 {
    i64::try_from(value).unwrap_or(if value < 0 { i64::MIN } else { i64::MAX })
}

impl PartialEq for Dec {
    fn eq(&self, other: &Dec) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Dec {}

impl PartialOrd for Dec {
    fn partial_cmp(&self, other: &Dec) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Dec {
    fn cmp(&self, other: &Dec) -> Ordering {
        let (a, b, _) = self.aligned(*other);
        a.cmp(&b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: i128, s: u32) -> Dec {
        Dec::new(m, s)
    }

    #[test]
    fn arithmetic_is_exact() {
        // 0.6 * 4.5 = 2.7 exactly (f64 gives 2.6999999999999997).
        assert_eq!(d(6, 1).mul(d(45, 1)), d(27, 1));
        assert_eq!(d(1, 1).add(d(2, 1)), d(3, 1));
        assert_eq!(d(1, 0).sub(d(395, 3)), d(605, 3));
        assert!(d(915, 3) < d(9151, 4));
        assert_eq!(d(915, 3).min(d(9, 1)), d(9, 1));
    }

    #[test]
    fn rounding() {
        assert_eq!(d(45, 2).round_half_up_tenths(), 5);
        assert_eq!(d(449_999, 6).round_half_up_tenths(), 4);
        assert_eq!(d(-165, 3).round_half_up_tenths(), -2);
        assert_eq!(d(-149, 3).round_half_up_tenths(), -1);
        assert_eq!(d(7, 0).round_half_up_tenths(), 70);
        assert_eq!(d(402, 2).ceil_tenths(), 41);
        assert_eq!(d(400, 2).ceil_tenths(), 40);
        assert_eq!(d(40_000_001, 7).ceil_tenths(), 41);
        assert_eq!(d(-21, 2).ceil_tenths(), -2);
        assert_eq!(d(45, 1).round_to_integer(), 5);
        assert_eq!(d(44, 1).round_to_integer(), 4);
    }

    #[test]
    fn powers_keep_precision() {
        // 0.5^15 = 0.000030517578125 exactly.
        assert_eq!(d(5, 1).powi(15), d(30_517_578_125, 15));
        // 0.894816^15 has 90 decimals; kept to MAX_SCALE it matches Python's
        // 28-digit Decimal result to within 1e-26.
        let tolerance = d(1, 26);
        let expected = d(1_888_017_933_709_173_220_414_596_238, 28);
        let p = d(894_816, 6).powi(15);
        assert!(
            p > expected.sub(tolerance) && p < expected.add(tolerance),
            "{p:?}"
        );
        // 0.8703865^13: the operand's 7 decimals force the overflow path.
        let expected = d(1_645_348_510_970_872_302_978_538_162, 28);
        let q = d(8_703_865, 7).powi(13);
        assert!(
            q > expected.sub(tolerance) && q < expected.add(tolerance),
            "{q:?}"
        );
    }
}
