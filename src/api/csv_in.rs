//! Reading CSV files as offices make them, for every import (schools, the social map): the
//! encoding (UTF-8 with or without BOM, else Windows-1252), the cell separator (`;` or `,`),
//! headers in English or Dutch, no control characters, and a dry run that writes nothing.

use std::borrow::Cow;

use crate::db::DbConn;
use crate::domain::text::{control_message, forbidden_control};
use crate::error::{ApiError, ApiResult, FieldError};

/// The file as text: UTF-8 with or without BOM, else Windows-1252 (what Excel in a Belgian
/// locale writes for "CSV (gescheiden door lijstscheidingsteken)"), which decodes any bytes.
pub fn decode(body: &[u8]) -> Cow<'_, str> {
    let body = body.strip_prefix("\u{feff}".as_bytes()).unwrap_or(body);
    match std::str::from_utf8(body) {
        Ok(text) => text.into(),
        Err(_) => {
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(body)
                .0
        }
    }
}

/// The cell separator, read from the header line: `;` (Excel in a Belgian or Dutch locale)
/// when it holds more semicolons than commas outside quotes, else `,`.
pub fn delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or_default();
    let (mut semicolons, mut commas, mut quoted) = (0, 0, false);
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => semicolons += 1,
            ',' if !quoted => commas += 1,
            _ => {}
        }
    }
    if semicolons > commas { b';' } else { b',' }
}

/// A header as the importers compare it: trimmed, without BOM, lowercased, with spaces and
/// hyphens read as `_` (`Contact e-mail` is `contact_e_mail`).
pub fn header_key(header: &str) -> String {
    header
        .trim()
        .trim_start_matches('\u{feff}')
        .trim()
        .to_lowercase()
        .replace([' ', '-'], "_")
}

/// The column a header names, from a table of (English name, Dutch names), if known.
pub fn column_of(header: &str, columns: &[(&'static str, &[&str])]) -> Option<&'static str> {
    let h = header_key(header);
    columns
        .iter()
        .find(|(en, nl)| *en == h || nl.contains(&h.as_str()))
        .map(|(en, _)| *en)
}

/// Refuses a file with a control character (see `domain::text`) in any cell, naming each by
/// line and column (`line 3.name`; the header is line 1), before anything is looked up. Lines
/// are counted as the import counts them; a file that is not CSV is left to the import to report.
pub fn control_characters(text: &str, delimiter: u8) -> ApiResult<()> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut columns: Vec<String> = Vec::new();
    let mut errors = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let Ok(record) = record else { break };
        let line = i + 1;
        for (n, cell) in record.iter().enumerate() {
            let Some(c) = forbidden_control(cell) else {
                continue;
            };
            let column = match columns.get(n) {
                Some(name) if line > 1 => name.clone(),
                _ => format!("column {}", n + 1),
            };
            errors.push(FieldError::new(
                format!("line {line}.{column}"),
                control_message(c),
            ));
        }
        if line == 1 {
            columns = record
                .iter()
                .map(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase())
                .collect();
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Ends a dry run's transaction with a rollback while carrying its report out.
enum Rollback<R> {
    Done(ApiResult<R>),
    Db(diesel::result::Error),
}

impl<R> From<diesel::result::Error> for Rollback<R> {
    fn from(e: diesel::result::Error) -> Self {
        Rollback::Db(e)
    }
}

/// An import's body must be sent as `text/csv`: 415 otherwise.
pub fn require_csv(req: &actix_web::HttpRequest) -> ApiResult<()> {
    use actix_web::HttpMessage;
    let is_csv = matches!(req.mime_type(), Ok(Some(m)) if m.essence_str() == "text/csv");
    if is_csv {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType(
            crate::i18n::Code::CsvContentTypeRequired.into(),
        ))
    }
}

/// Runs an import in one write transaction; a dry run rolls it back and still answers what it
/// would have done.
pub fn run<R>(
    conn: &mut DbConn,
    dry_run: bool,
    import: impl FnOnce(&mut DbConn) -> ApiResult<R>,
) -> ApiResult<R> {
    if !dry_run {
        return crate::db::write_tx(conn, import);
    }
    match crate::db::write_tx(conn, |c| Err::<(), _>(Rollback::Done(import(c)))) {
        Err(Rollback::Done(report)) => report,
        Err(Rollback::Db(e)) => Err(e.into()),
        Ok(()) => Err(ApiError::internal("a dry run must roll back")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1252_and_bom_decode_and_semicolons_are_sniffed() {
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode("naam;stad\nCafé – Gent;Gent\n");
        let text = decode(&bytes);
        assert_eq!(text, "naam;stad\nCafé – Gent;Gent\n");
        assert_eq!(delimiter(&text), b';');
        assert_eq!(decode("\u{feff}a,b".as_bytes()), "a,b");
        assert_eq!(delimiter("\"a;b\",c"), b',');
        assert_eq!(header_key(" Contact e-mail "), "contact_e_mail");
    }
}
