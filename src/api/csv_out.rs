//! How CSV exports are written: the plain English form, or the dialect Excel in a Belgian
//! locale opens as columns; formula neutralisation for both.

use actix_web::HttpRequest;
use actix_web::http::header;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::i18n::{Lang, labels};

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
    /// The dialect asked with the `dialect` parameter, else Belgian when Dutch is the caller's
    /// preferred language of the two the API speaks (`nl`, `nl-BE`, … before `en`; see
    /// `Lang::preferred`), else English. A client that sends neither gets the English form it
    /// always got, so existing integrations keep working (problems default to Dutch instead:
    /// they are read by people, a CSV by programs too).
    pub fn negotiate(req: &HttpRequest, asked: Option<CsvDialect>) -> CsvDialect {
        if let Some(d) = asked {
            return d;
        }
        let preferred = req
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(Lang::preferred);
        match preferred {
            Some(Lang::Nl) => CsvDialect::NlBe,
            Some(Lang::En) | None => CsvDialect::En,
        }
    }

    /// The language of this dialect's labels.
    pub fn lang(self) -> Lang {
        match self {
            CsvDialect::En => Lang::En,
            CsvDialect::NlBe => Lang::Nl,
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

    /// A column label from the catalogue (`i18n::labels::CSV_COLUMNS`).
    fn label(self, en: &'static str) -> &'static str {
        labels::csv_column(en, self.lang())
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
        labels::yes_no(b, self.lang())
    }
}

/// The written file as text.
pub fn finish(w: csv::Writer<Vec<u8>>) -> ApiResult<String> {
    let bytes = w
        .into_inner()
        .map_err(|e| ApiError::internal(format!("csv: {e}")))?;
    String::from_utf8(bytes).map_err(ApiError::internal)
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
