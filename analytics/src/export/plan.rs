//! How a parallel export splits the table: into runs of whole creation days of about equal
//! size, several per job so that a job finishing early takes the next. A day is never split,
//! so each partition's files are written by one job, in order, and come out the same
//! whatever the number of jobs.

/// Part of the table one `COPY` reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Chunk {
    /// The sessions created from `first` to `last` (UTC days `YYYY-MM-DD`, both included).
    Days { first: String, last: String },
    /// The sessions without a creation time (`created_date=__HIVE_DEFAULT_PARTITION__`).
    NoDate,
    /// Every session: the table has no creation-time column to split it by.
    All,
}

/// How many chunks each job gets on average: enough that the jobs finish close together (the
/// last chunk taken is at most an eighth of a job's share), few enough that each `COPY`'s
/// start costs nothing.
const CHUNKS_PER_JOB: u64 = 8;

/// Splits `days` (each day's sessions, in day order; `None`, the sessions without a
/// creation time, last) into chunks for `jobs` jobs.
pub fn chunks(days: &[(Option<String>, u64)], jobs: usize) -> Vec<Chunk> {
    let total: u64 = days.iter().map(|d| d.1).sum();
    let target = (total / (jobs.max(1) as u64 * CHUNKS_PER_JOB)).max(1);
    let mut out = Vec::new();
    let mut open: Option<(String, String, u64)> = None;
    for (day, count) in days {
        let Some(day) = day else {
            out.extend(open.take().map(|(first, last, _)| Chunk::Days { first, last }));
            out.push(Chunk::NoDate);
            continue;
        };
        let (_, last, size) = open.get_or_insert_with(|| (day.clone(), day.clone(), 0));
        day.clone_into(last);
        *size += count;
        if *size >= target {
            out.extend(open.take().map(|(first, last, _)| Chunk::Days { first, last }));
        }
    }
    out.extend(open.map(|(first, last, _)| Chunk::Days { first, last }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32, n: u64) -> (Option<String>, u64) {
        (Some(format!("2026-09-{d:02}")), n)
    }

    #[test]
    fn days_are_grouped_whole_and_in_order() {
        let days: Vec<_> = (1..=20).map(|d| day(d, 100)).chain([(None, 5)]).collect();
        let chunks = chunks(&days, 2);
        // 2 005 sessions, 125 a chunk: 2 days each, then NoDate.
        assert_eq!(chunks.len(), 11, "{chunks:?}");
        assert_eq!(chunks[0], Chunk::Days { first: "2026-09-01".into(), last: "2026-09-02".into() });
        assert_eq!(chunks[9], Chunk::Days { first: "2026-09-19".into(), last: "2026-09-20".into() });
        assert_eq!(chunks[10], Chunk::NoDate);
        // One job, one huge day, empty tables.
        assert_eq!(super::chunks(&[day(1, 1_000_000)], 1).len(), 1);
        assert!(super::chunks(&[], 2).is_empty());
    }
}
