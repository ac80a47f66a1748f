//! The rows of a one-column `COPY … TO STDOUT (FORMAT binary)`, read from its CopyData
//! messages as they arrive. PostgreSQL sends one row per message, so a row is normally read
//! in place from its message; a row split across messages (which the protocol allows) is
//! put together first.

use anyhow::{bail, ensure, Result};

const SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";

/// The parser's state across messages.
#[derive(Default)]
pub struct CopyRows {
    header_read: bool,
    ended: bool,
    /// The start of a row whose end is in a later message.
    pending: Vec<u8>,
}

impl CopyRows {
    /// Calls `row` with the field of each complete row in `message` (`None`: SQL NULL).
    pub fn feed(&mut self, message: &[u8], mut row: impl FnMut(Option<&[u8]>) -> Result<()>) -> Result<()> {
        if self.pending.is_empty() {
            let used = self.parse(message, &mut row)?;
            self.pending.extend_from_slice(&message[used..]);
        } else {
            let mut joined = std::mem::take(&mut self.pending);
            joined.extend_from_slice(message);
            let used = self.parse(&joined, &mut row)?;
            joined.drain(..used);
            self.pending = joined;
        }
        Ok(())
    }

    /// Checks that the stream ended with its trailer and nothing after it.
    pub fn finish(&self) -> Result<()> {
        ensure!(self.ended && self.pending.is_empty(), "the COPY stream ended in the middle of a row");
        Ok(())
    }

    /// Reads the complete rows at the start of `bytes`; returns how many bytes they took.
    fn parse(&mut self, bytes: &[u8], row: &mut impl FnMut(Option<&[u8]>) -> Result<()>) -> Result<usize> {
        let mut at = 0;
        if !self.header_read {
            if bytes.len() < 19 {
                return Ok(0);
            }
            ensure!(&bytes[..11] == SIGNATURE, "the COPY stream is not in binary format");
            let extension = u32::from_be_bytes(bytes[15..19].try_into()?) as usize;
            if bytes.len() < 19 + extension {
                return Ok(0);
            }
            at = 19 + extension;
            self.header_read = true;
        }
        loop {
            let Some(count) = bytes.get(at..at + 2) else { return Ok(at) };
            let fields = i16::from_be_bytes(count.try_into()?);
            if fields == -1 {
                ensure!(!self.ended, "the COPY stream has two trailers");
                self.ended = true;
                return Ok(at + 2);
            }
            ensure!(!self.ended, "the COPY stream has rows after its trailer");
            if fields != 1 {
                bail!("a COPY row has {fields} fields, not 1");
            }
            let Some(len) = bytes.get(at + 2..at + 6) else { return Ok(at) };
            let len = i32::from_be_bytes(len.try_into()?);
            if len < 0 {
                row(None)?;
                at += 6;
                continue;
            }
            let end = at + 6 + len as usize;
            let Some(field) = bytes.get(at + 6..end) else { return Ok(at) };
            row(Some(field))?;
            at = end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(rows: &[Option<&[u8]>]) -> Vec<u8> {
        let mut out = SIGNATURE.to_vec();
        out.extend_from_slice(&0u32.to_be_bytes());
        out.extend_from_slice(&0u32.to_be_bytes());
        for r in rows {
            out.extend_from_slice(&1i16.to_be_bytes());
            match r {
                None => out.extend_from_slice(&(-1i32).to_be_bytes()),
                Some(b) => {
                    out.extend_from_slice(&(b.len() as i32).to_be_bytes());
                    out.extend_from_slice(b);
                }
            }
        }
        out.extend_from_slice(&(-1i16).to_be_bytes());
        out
    }

    #[test]
    fn rows_split_anywhere_read_the_same() {
        let rows: Vec<Option<&[u8]>> = vec![Some(b"first"), None, Some(b""), Some(&[7; 300])];
        let bytes = stream(&rows);
        for size in [1, 2, 3, 7, 19, 20, 64, bytes.len()] {
            let mut parser = CopyRows::default();
            let mut seen: Vec<Option<Vec<u8>>> = Vec::new();
            for chunk in bytes.chunks(size) {
                parser
                    .feed(chunk, |f| {
                        seen.push(f.map(<[u8]>::to_vec));
                        Ok(())
                    })
                    .unwrap();
            }
            parser.finish().unwrap();
            assert_eq!(
                seen,
                rows.iter().map(|r| r.map(<[u8]>::to_vec)).collect::<Vec<_>>(),
                "chunks of {size}"
            );
        }
    }

    #[test]
    fn a_cut_stream_is_an_error() {
        let bytes = stream(&[Some(b"row")]);
        let mut parser = CopyRows::default();
        parser.feed(&bytes[..bytes.len() - 3], |_| Ok(())).unwrap();
        assert!(parser.finish().is_err());
        assert!(CopyRows::default().feed(b"not a binary copy stream", |_| Ok(())).is_err());
    }
}
