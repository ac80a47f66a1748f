//! Calendar arithmetic on UTC microseconds since 1970, without a date library: the export's
//! day partitions and the loader's `timestamptz` key column.

/// The civil date (year, month, day) of a day counted from 1970-01-01, proleptic Gregorian
/// (Howard Hinnant's algorithm); year 0 is 1 BC.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (y, m as u32, d as u32)
}

/// Days from 1970-01-01 to a civil date (the inverse of [`civil_from_days`]).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `us` as PostgreSQL's `timestamptz` input reads it back exactly: `2026-09-01 12:00:00.000250+00`,
/// with ` BC` for years before 1.
pub fn timestamptz_text(us: i64) -> String {
    let (days, in_day) = (us.div_euclid(86_400_000_000), us.rem_euclid(86_400_000_000));
    let (y, m, d) = civil_from_days(days);
    let (secs, micros) = (in_day / 1_000_000, in_day % 1_000_000);
    let (year, era) = if y >= 1 { (y, "") } else { (1 - y, " BC") };
    format!(
        "{year:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{micros:06}+00{era}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(20_454), (2026, 1, 1));
        for days in [-800_000, -1, 0, 59, 20_454, 2_000_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(timestamptz_text(1_769_903_999_999_000), "2026-01-31 23:59:59.999000+00");
        assert_eq!(timestamptz_text(0), "1970-01-01 00:00:00.000000+00");
        assert_eq!(timestamptz_text(-1), "1969-12-31 23:59:59.999999+00");
        // 1 BC is year 0 of the proleptic calendar.
        assert_eq!(timestamptz_text(-62_167_219_200_000_000), "0001-01-01 00:00:00.000000+00 BC");
    }
}
