//! The report as CSV (one block per table) and as an Excel workbook (one sheet per table). Both
//! write the cells of the JSON as they are: a withheld cell is `x`, an undefined one empty.

use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, XlsxError};

use super::{ColumnKind, ReportCell, ReportTable, Value, YearlyReport};
use crate::api::csv_out::{CsvDialect, finish, neutralise};
use crate::error::{ApiError, ApiResult};

/// How a withheld cell is written in CSV and in the workbook.
pub const WITHHELD: &str = "x";

struct Texts<'a> {
    title: &'a str,
    sheet: &'a str,
    rows: &'a str,
}

fn texts(t: &ReportTable, dialect: CsvDialect) -> Texts<'_> {
    match dialect {
        CsvDialect::NlBe => Texts {
            title: &t.title_nl,
            sheet: &t.sheet_nl,
            rows: &t.rows_label_nl,
        },
        CsvDialect::En => Texts {
            title: &t.title_en,
            sheet: &t.sheet_en,
            rows: &t.rows_label_en,
        },
    }
}

fn column_label(c: &super::ReportColumn, dialect: CsvDialect) -> &str {
    match dialect {
        CsvDialect::NlBe => &c.label_nl,
        CsvDialect::En => &c.label_en,
    }
}

fn row_label(r: &super::ReportRow, dialect: CsvDialect) -> &str {
    match dialect {
        CsvDialect::NlBe => &r.label_nl,
        CsvDialect::En => &r.label_en,
    }
}

fn legend(dialect: CsvDialect) -> &'static str {
    match dialect {
        CsvDialect::NlBe => {
            "x = afgeschermd: een klein aantal, of een aantal waaruit een klein aantal te berekenen is"
        }
        CsvDialect::En => {
            "x = withheld: a small count, or one from which a small count could be recomputed"
        }
    }
}

fn csv_value(c: &ReportCell, dialect: CsvDialect) -> String {
    match (c.suppressed, c.value) {
        (true, _) => WITHHELD.to_string(),
        (false, None) => String::new(),
        (false, Some(Value::Whole(n))) => n.to_string(),
        (false, Some(Value::Decimal(v))) => dialect.decimal(v),
    }
}

/// One block per table: its title, a header line (what the rows are, then the columns), the
/// rows, an empty line; the legend of `x` at the end. Names from the field (networks,
/// partners) are neutralised so a spreadsheet never runs them as formulas.
pub fn csv(report: &YearlyReport, dialect: CsvDialect) -> ApiResult<String> {
    let io = |e: csv::Error| ApiError::internal(format!("csv: {e}"));
    let mut w = dialect.writer_flexible();
    for t in &report.tables {
        let x = texts(t, dialect);
        w.write_record([x.title]).map_err(io)?;
        let mut header = vec![x.rows.to_string()];
        header.extend(
            t.columns
                .iter()
                .map(|c| column_label(c, dialect).to_string()),
        );
        w.write_record(&header).map_err(io)?;
        for r in &t.rows {
            let mut line = vec![neutralise(row_label(r, dialect))];
            line.extend(r.cells.iter().map(|c| csv_value(c, dialect)));
            w.write_record(&line).map_err(io)?;
        }
        // An empty line between blocks.
        let mut written = w
            .into_inner()
            .map_err(|e| ApiError::internal(format!("csv: {e}")))?;
        written.push(b'\n');
        w = dialect.writer_after(written);
    }
    w.write_record([legend(dialect)]).map_err(io)?;
    finish(w)
}

/// One sheet per table: a bold header row (frozen, with the row labels' column), the rows with
/// number formats per column kind (counts `#,##0`, shares `0.0%`, days `0.0`), column widths
/// fitted to the labels, and the table's title and the legend of `x` below.
pub fn xlsx(report: &YearlyReport, dialect: CsvDialect) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_border_bottom(FormatBorder::Thin);
    let first = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDDEBF7));
    let count = Format::new().set_num_format("#,##0");
    let share = Format::new().set_num_format("0.0%");
    let days = Format::new().set_num_format("0.0");
    let withheld = Format::new()
        .set_align(FormatAlign::Right)
        .set_font_color(Color::RGB(0x808080));
    let total_row = Format::new().set_bold();
    let note = Format::new()
        .set_italic()
        .set_font_color(Color::RGB(0x595959));
    for t in &report.tables {
        let x = texts(t, dialect);
        let ws = wb.add_worksheet();
        ws.set_name(x.sheet)?;
        ws.write_string_with_format(0, 0, x.rows, &header)?;
        let widest = t
            .rows
            .iter()
            .map(|r| row_label(r, dialect).chars().count())
            .chain([x.rows.chars().count()])
            .max()
            .unwrap_or(10);
        ws.set_column_width(0, (widest as f64 + 2.0).clamp(12.0, 60.0))?;
        for (i, c) in t.columns.iter().enumerate() {
            let col = i as u16 + 1;
            let label = column_label(c, dialect);
            ws.write_string_with_format(0, col, label, &header)?;
            // Long labels wrap over two lines: half their length, at least a number's width.
            let width = (label.chars().count() as f64 / 2.0 + 2.0).clamp(10.0, 24.0);
            ws.set_column_width(col, width)?;
        }
        ws.set_row_height(0, 32)?;
        for (j, r) in t.rows.iter().enumerate() {
            let row = j as u32 + 1;
            let label_format = if r.key == "all" { &total_row } else { &first };
            ws.write_string_with_format(row, 0, row_label(r, dialect), label_format)?;
            for (i, (cell, c)) in r.cells.iter().zip(&t.columns).enumerate() {
                let col = i as u16 + 1;
                let format = match c.kind {
                    ColumnKind::Count => &count,
                    ColumnKind::Share => &share,
                    ColumnKind::Days => &days,
                };
                match (cell.suppressed, cell.value) {
                    (true, _) => {
                        ws.write_string_with_format(row, col, WITHHELD, &withheld)?;
                    }
                    (false, None) => {}
                    (false, Some(v)) => {
                        ws.write_number_with_format(row, col, v.as_f64(), format)?;
                    }
                }
            }
        }
        ws.set_freeze_panes(1, 1)?;
        let below = t.rows.len() as u32 + 2;
        ws.write_string_with_format(below, 0, x.title, &note)?;
        ws.write_string_with_format(below + 1, 0, legend(dialect), &note)?;
    }
    wb.save_to_buffer()
}
