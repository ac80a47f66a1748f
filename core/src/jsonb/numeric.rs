//! PostgreSQL `numeric` values as stored inside jsonb, decoded to `f64`.
//!
//! A numeric is a varlena (1-byte or 4-byte header) holding a `u16` header and base-10000
//! digits. The short form packs sign, display scale and weight into the header; the long
//! form follows it with an `i16` weight. Value = Σ digit[k] · 10000^(weight − k).
//!
//! The digits are written out as a decimal literal on the stack and parsed by the standard
//! library, which rounds correctly, so a value reads exactly as `(doc->>'x')::float8` does in
//! SQL (PostgreSQL also goes through the decimal text). The policy is total: any byte string
//! gives a value or `None`, never a panic or an allocation; digits past the 40th are dropped
//! (far beyond what an `f64` holds) and a value beyond `f64`'s range saturates to ±infinity,
//! so `1e400` reads as infinity (and fails every range check) instead of crashing a backend.

const SIGN_MASK: u16 = 0xC000;
const NEGATIVE: u16 = 0x4000;
const SHORT: u16 = 0x8000;
const SPECIAL: u16 = 0xC000;
const SHORT_SIGN: u16 = 0x2000;
const SHORT_WEIGHT_SIGN: u16 = 0x0040;
const SHORT_WEIGHT_MASK: u16 = 0x003F;

/// Base-10000 digits kept: 10 = 40 decimal digits, well past the 17 an f64 distinguishes.
const SIGNIFICANT_DIGITS: usize = 10;

/// The payload of a varlena (after its 1- or 4-byte header), or `None` if malformed.
fn varlena_payload(bytes: &[u8]) -> Option<&[u8]> {
    let first = *bytes.first()?;
    let (header, total) = if first & 0x01 == 0x01 {
        // 1-byte header; 0x01 alone would be a TOAST pointer, never inline in jsonb.
        if first == 0x01 {
            return None;
        }
        (1usize, (first >> 1) as usize)
    } else {
        let word = u32::from_le_bytes(bytes.get(0..4)?.try_into().ok()?);
        if word & 0x03 != 0 {
            return None; // compressed: never inline in jsonb
        }
        (4usize, (word >> 2) as usize)
    };
    bytes.get(header..total)
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

/// Decodes a whole numeric varlena.
pub fn to_f64(bytes: &[u8]) -> Option<f64> {
    let payload = varlena_payload(bytes)?;
    let header = u16_at(payload, 0)?;
    let (negative, weight, digits) = match header & SIGN_MASK {
        SPECIAL => return None, // NaN and ±Infinity cannot appear in jsonb
        SHORT => {
            let magnitude = (header & SHORT_WEIGHT_MASK) as i32;
            let weight = if header & SHORT_WEIGHT_SIGN != 0 { magnitude - 64 } else { magnitude };
            (header & SHORT_SIGN != 0, weight, &payload[2..])
        }
        sign => {
            let weight = u16_at(payload, 2)? as i16 as i32;
            (sign == NEGATIVE, weight, payload.get(4..)?)
        }
    };
    if let Some(value) = exact_fast_path(digits, weight) {
        return Some(if negative { -value } else { value });
    }
    // "-" + 40 digits + "e" + exponent: well inside 64 bytes.
    let mut literal = [0u8; 64];
    let mut len = 0usize;
    let mut push = |b: u8| {
        literal[len] = b;
        len += 1;
    };
    if negative {
        push(b'-');
    }
    let mut used = 0i32;
    for pair in digits.chunks_exact(2).take(SIGNIFICANT_DIGITS) {
        let digit = u16::from_le_bytes([pair[0], pair[1]]);
        if digit > 9999 {
            return None;
        }
        for place in [1000, 100, 10, 1] {
            push(b'0' + (digit / place % 10) as u8);
        }
        used += 1;
    }
    if used == 0 {
        return Some(0.0);
    }
    // The literal holds `used` groups read as an integer; scale by the remaining weight.
    let exponent = 4 * (weight - (used - 1));
    push(b'e');
    for &b in itoa_i32(exponent).digits() {
        push(b);
    }
    std::str::from_utf8(&literal[..len]).ok()?.parse::<f64>().ok()
}

/// Timestamps, counts, coordinates and scores: when the digits form an integer `n < 2^53`
/// and the value is `n · 10^e` with `|e| <= 22`, one multiplication or division of two exact
/// doubles is correctly rounded, the same answer the decimal parse gives, at a fraction of
/// its cost. `None` sends everything else down the general path.
fn exact_fast_path(digits: &[u8], weight: i32) -> Option<f64> {
    const LIMIT: u64 = 1 << 53;
    const POW10: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
        1e18, 1e19, 1e20, 1e21, 1e22,
    ];
    let groups = digits.len() / 2;
    if groups == 0 || groups > 4 {
        return None;
    }
    let mut n: u64 = 0;
    for pair in digits.chunks_exact(2) {
        let digit = u16::from_le_bytes([pair[0], pair[1]]);
        if digit > 9999 {
            return None;
        }
        n = n * 10000 + digit as u64;
    }
    if n >= LIMIT {
        return None;
    }
    let exponent = 4 * (weight - (groups as i32 - 1));
    match exponent {
        0 => Some(n as f64),
        1..=22 => {
            let value = n as f64 * POW10[exponent as usize];
            (value < LIMIT as f64).then_some(value)
        }
        -22..=-1 => Some(n as f64 / POW10[(-exponent) as usize]),
        _ => None,
    }
}

/// A small stack formatter for the exponent (core has no allocation-free integer printing).
struct SmallInt {
    bytes: [u8; 12],
    start: usize,
}

impl SmallInt {
    fn digits(&self) -> &[u8] {
        &self.bytes[self.start..]
    }
}

fn itoa_i32(value: i32) -> SmallInt {
    let mut out = SmallInt { bytes: [0; 12], start: 12 };
    let mut magnitude = value.unsigned_abs();
    loop {
        out.start -= 1;
        out.bytes[out.start] = b'0' + (magnitude % 10) as u8;
        magnitude /= 10;
        if magnitude == 0 {
            break;
        }
    }
    if value < 0 {
        out.start -= 1;
        out.bytes[out.start] = b'-';
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn long(sign: u16, weight: i16, digits: &[u16]) -> Vec<u8> {
        let mut payload = Vec::new();
        payload.extend_from_slice(&sign.to_le_bytes());
        payload.extend_from_slice(&weight.to_le_bytes());
        for d in digits {
            payload.extend_from_slice(&d.to_le_bytes());
        }
        let total = (payload.len() + 4) as u32;
        let mut out = (total << 2).to_le_bytes().to_vec();
        out.extend(payload);
        out
    }

    #[test]
    fn long_form_values() {
        assert_eq!(to_f64(&long(0, 0, &[6])), Some(6.0));
        assert_eq!(to_f64(&long(NEGATIVE, 0, &[42])), Some(-42.0));
        assert_eq!(to_f64(&long(0, 1, &[1, 7000])), Some(17000.0));
        assert_eq!(to_f64(&long(0, -1, &[9500])), Some(0.95));
        assert_eq!(to_f64(&long(0, 0, &[])), Some(0.0));
    }

    #[test]
    fn beyond_f64_saturates_instead_of_failing() {
        assert_eq!(to_f64(&long(0, 200, &[1])), Some(f64::INFINITY));
        assert_eq!(to_f64(&long(NEGATIVE, 200, &[1])), Some(f64::NEG_INFINITY));
        assert_eq!(to_f64(&long(0, -200, &[1])), Some(0.0));
    }

    #[test]
    fn short_form_and_one_byte_header() {
        // 1-byte varlena header: (len << 1) | 1; short numeric 0.5 = weight -1, digit 5000.
        let header: u16 = SHORT | SHORT_WEIGHT_SIGN | (-1i32 as u16 & SHORT_WEIGHT_MASK) | (1 << 7);
        let mut bytes = vec![((1 + 2 + 2) << 1 | 1) as u8];
        bytes.extend_from_slice(&header.to_le_bytes());
        bytes.extend_from_slice(&5000u16.to_le_bytes());
        assert_eq!(to_f64(&bytes), Some(0.5));
    }

    #[test]
    fn fast_path_agrees_with_the_decimal_parse() {
        // Every value both paths can read: the fast path must give the parse's answer.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let groups = 1 + (state % 4) as usize;
            let digits: Vec<u16> = (0..groups).map(|k| ((state >> (k * 14)) % 10000) as u16).collect();
            let weight = ((state >> 60) as i32 % 8) - 4;
            let bytes = long(0, weight as i16, &digits);
            let fast = exact_fast_path(&long_digits(&digits), weight);
            let mut literal = String::new();
            for d in &digits {
                literal.push_str(&format!("{d:04}"));
            }
            literal.push_str(&format!("e{}", 4 * (weight - (groups as i32 - 1))));
            let parsed: f64 = literal.parse().unwrap();
            if let Some(fast) = fast {
                assert_eq!(fast, parsed, "{literal}");
            }
            assert_eq!(to_f64(&bytes), Some(parsed), "{literal}");
        }
    }

    fn long_digits(digits: &[u16]) -> Vec<u8> {
        digits.iter().flat_map(|d| d.to_le_bytes()).collect()
    }

    #[test]
    fn malformed_bytes_give_none_not_panic() {
        for bytes in [&[][..], &[0x01], &[0x00, 0x00], &[0xff; 3], &[0x03, 0, 0, 0, 0]] {
            let _ = to_f64(bytes);
        }
        assert_eq!(to_f64(&long(SPECIAL, 0, &[])), None);
        assert_eq!(to_f64(&long(0, 0, &[10000])), None);
    }
}
