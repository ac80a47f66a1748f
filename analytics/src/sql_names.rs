//! SQL identifiers written into statements: quoted, so a `--table` name is never SQL.

use anyhow::{bail, Result};

/// Quotes an identifier, allowing `schema.table`.
pub fn quote_table(name: &str) -> Result<String> {
    if name.is_empty() || name.split('.').count() > 2 {
        bail!("--table must be a table name, optionally schema-qualified, not {name:?}");
    }
    Ok(name.split('.').map(|p| format!("\"{}\"", p.replace('"', "\"\""))).collect::<Vec<_>>().join("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_are_quoted() {
        assert_eq!(quote_table("sessions").unwrap(), "\"sessions\"");
        assert_eq!(quote_table("raw.Sessions").unwrap(), "\"raw\".\"Sessions\"");
        assert!(quote_table("a.b.c").is_err());
    }
}
