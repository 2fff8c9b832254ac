//! How CSV exports are written: the plain English form, or the dialect Excel in a Belgian
//! locale opens as columns; formula neutralisation for both.

use actix_web::HttpRequest;
use actix_web::http::header;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};

/// The form of a CSV export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CsvDialect {
    /// `,` between cells, `.` as decimal mark, English column labels, no BOM.
    En,
    /// `;` between cells, `,` as decimal mark, Dutch column labels, a UTF-8 BOM.
    NlBe,
}

impl CsvDialect {
    /// The dialect asked with the `dialect` parameter, else Belgian when the caller's first
    /// language preference is Dutch (`nl`, `nl-BE`, …), else English. A client that sends
    /// neither gets the English form it always got, so existing integrations keep working.
    pub fn negotiate(req: &HttpRequest, asked: Option<CsvDialect>) -> CsvDialect {
        if let Some(d) = asked {
            return d;
        }
        let first = req
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(first_language);
        match first {
            Some(tag) if tag == "nl" || tag.starts_with("nl-") => CsvDialect::NlBe,
            _ => CsvDialect::En,
        }
    }

    fn delimiter(self) -> u8 {
        match self {
            CsvDialect::En => b',',
            CsvDialect::NlBe => b';',
        }
    }

    /// A writer in this dialect; the Belgian one starts with the BOM by which Excel knows UTF-8.
    pub fn writer(self) -> csv::Writer<Vec<u8>> {
        self.builder().from_writer(self.start())
    }

    /// The same, for files whose lines differ in length (the yearly report's blocks).
    pub fn writer_flexible(self) -> csv::Writer<Vec<u8>> {
        self.builder().flexible(true).from_writer(self.start())
    }

    /// A flexible writer that goes on after `written` (no second BOM).
    pub fn writer_after(self, written: Vec<u8>) -> csv::Writer<Vec<u8>> {
        self.builder().flexible(true).from_writer(written)
    }

    fn builder(self) -> csv::WriterBuilder {
        let mut b = csv::WriterBuilder::new();
        b.delimiter(self.delimiter());
        b
    }

    fn start(self) -> Vec<u8> {
        match self {
            CsvDialect::En => Vec::new(),
            CsvDialect::NlBe => "\u{feff}".as_bytes().to_vec(),
        }
    }

    /// The column labels of a header row, in this dialect's language.
    pub fn header<const N: usize>(self, labels: [&'static str; N]) -> [&'static str; N] {
        labels.map(|l| self.label(l))
    }

    fn label(self, en: &'static str) -> &'static str {
        match self {
            CsvDialect::En => en,
            CsvDialect::NlBe => match en {
                "section" => "sectie",
                "key" => "sleutel",
                "value" => "waarde",
                "suppressed" => "afgeschermd",
                "partner" => "partner",
                "service" => "dienst",
                "figure" => "cijfer",
                other => other,
            },
        }
    }

    /// A fraction or decimal, with this dialect's decimal mark.
    pub fn decimal(self, v: f64) -> String {
        match self {
            CsvDialect::En => v.to_string(),
            CsvDialect::NlBe => v.to_string().replace('.', ","),
        }
    }

    /// A yes/no cell.
    pub fn yes_no(self, b: bool) -> &'static str {
        match (self, b) {
            (CsvDialect::En, true) => "true",
            (CsvDialect::En, false) => "false",
            (CsvDialect::NlBe, true) => "ja",
            (CsvDialect::NlBe, false) => "nee",
        }
    }
}

/// The written file as text.
pub fn finish(w: csv::Writer<Vec<u8>>) -> ApiResult<String> {
    let bytes = w
        .into_inner()
        .map_err(|e| ApiError::internal(format!("csv: {e}")))?;
    String::from_utf8(bytes).map_err(ApiError::internal)
}

/// The language tag of the highest preference in an `Accept-Language` value (the first of
/// equals), lowercased; `*` and `q=0` never win.
fn first_language(value: &str) -> Option<String> {
    let mut best: Option<(f32, String)> = None;
    for part in value.split(',') {
        let mut pieces = part.split(';');
        let tag = pieces
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if tag.is_empty() || tag == "*" {
            continue;
        }
        let q = pieces
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if q > 0.0 && best.as_ref().is_none_or(|(b, _)| q > *b) {
            best = Some((q, tag));
        }
    }
    best.map(|(_, tag)| tag)
}

/// A text cell a spreadsheet would run as a formula gets a leading apostrophe: one starting with
/// `=`, `+`, `-`, `@`, their full-width forms (which Excel in some locales also reads as
/// formula signs), a tab or a carriage return.
pub fn neutralise(cell: &str) -> String {
    match cell.chars().next() {
        Some(
            '=' | '+' | '-' | '@' | '\t' | '\r' | '\u{ff1d}' | '\u{ff0b}' | '\u{ff0d}' | '\u{ff20}',
        ) => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_language_preference_wins() {
        assert_eq!(
            first_language("nl-BE,nl;q=0.9,en;q=0.8").as_deref(),
            Some("nl-be")
        );
        assert_eq!(first_language("en;q=0.5, nl").as_deref(), Some("nl"));
        assert_eq!(first_language("fr, nl").as_deref(), Some("fr"));
        assert_eq!(first_language("nl;q=0, *").as_deref(), None);
    }

    #[test]
    fn formula_cells_are_neutralised_full_width_too() {
        for c in [
            "=1", "+1", "-1", "@A1", "\tx", "\rx", "＝1", "＋1", "－1", "＠A1",
        ] {
            assert_eq!(neutralise(c), format!("'{c}"));
        }
        assert_eq!(neutralise("poverty"), "poverty");
    }

    #[test]
    fn the_belgian_dialect_writes_semicolons_commas_and_a_bom() {
        let d = CsvDialect::NlBe;
        let mut w = d.writer();
        w.write_record(d.header(["section", "value"])).unwrap();
        w.write_record(["reach", &d.decimal(0.4)]).unwrap();
        assert_eq!(finish(w).unwrap(), "\u{feff}sectie;waarde\nreach;0,4\n");
    }
}
