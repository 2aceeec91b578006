//! Tables for people's spreadsheets (OR8): one [`Table`] written as CSV or XLSX. Cells that a
//! spreadsheet would run as a formula (`=`, `+`, `-`, `@`) are written as text, so an export
//! of user-typed names cannot carry a formula into the organizer's spreadsheet.

use rust_xlsxwriter::{Format, Workbook};

/// What the export is written as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl ExportFormat {
    pub fn parse(name: &str) -> Option<ExportFormat> {
        match name.to_ascii_lowercase().as_str() {
            "csv" => Some(ExportFormat::Csv),
            "xlsx" => Some(ExportFormat::Xlsx),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// A sheet of text cells under a header row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// A finished file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Export {
    /// Without a directory: `registrations-open-run.csv`.
    pub filename: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
#[error("the export could not be written: {0}")]
pub struct ExportError(String);

impl Table {
    /// The table as a file named `stem.csv` or `stem.xlsx`.
    pub fn export(&self, stem: &str, format: ExportFormat) -> Result<Export, ExportError> {
        let bytes = match format {
            ExportFormat::Csv => self.csv()?,
            ExportFormat::Xlsx => self.xlsx()?,
        };
        Ok(Export {
            filename: format!("{}.{}", file_stem(stem), format.extension()),
            content_type: format.content_type(),
            bytes,
        })
    }

    fn csv(&self) -> Result<Vec<u8>, ExportError> {
        // A byte order mark, so spreadsheet programs read the UTF-8 names right.
        let mut out = "\u{feff}".as_bytes().to_vec();
        {
            let mut writer = csv::Writer::from_writer(&mut out);
            let failed = |e: csv::Error| ExportError(e.to_string());
            writer
                .write_record(self.headers.iter().map(|h| inert(h)))
                .map_err(failed)?;
            for row in &self.rows {
                writer
                    .write_record(row.iter().map(|c| inert(c)))
                    .map_err(failed)?;
            }
            writer.flush().map_err(|e| ExportError(e.to_string()))?;
        }
        Ok(out)
    }

    fn xlsx(&self) -> Result<Vec<u8>, ExportError> {
        let failed = |e: rust_xlsxwriter::XlsxError| ExportError(e.to_string());
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        let bold = Format::new().set_bold();
        for (column, header) in self.headers.iter().enumerate() {
            sheet
                .write_string_with_format(0, column_index(column), header, &bold)
                .map_err(failed)?;
        }
        for (row, cells) in self.rows.iter().enumerate() {
            let row = u32::try_from(row + 1).map_err(|_| ExportError("too many rows".into()))?;
            for (column, cell) in cells.iter().enumerate() {
                // Written as strings, which XLSX never evaluates.
                sheet
                    .write_string(row, column_index(column), cell)
                    .map_err(failed)?;
            }
        }
        sheet.set_freeze_panes(1, 0).map_err(failed)?;
        sheet.autofit();
        workbook.save_to_buffer().map_err(failed)
    }
}

fn column_index(column: usize) -> u16 {
    u16::try_from(column).unwrap_or(u16::MAX)
}

/// A cell a spreadsheet will not run as a formula.
fn inert(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// Letters, digits and dashes, for a file name every system accepts.
fn file_stem(stem: &str) -> String {
    let mut out = String::new();
    for c in stem.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-');
    if out.is_empty() {
        "export".into()
    } else {
        out.chars().take(80).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        Table {
            headers: vec!["Name".into(), "Note".into()],
            rows: vec![
                vec!["Айгерим".into(), "says \"hi\", twice".into()],
                vec!["=HYPERLINK(\"http://evil\")".into(), "-1".into()],
            ],
        }
    }

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let export = table().export("Open run: June!", ExportFormat::Csv).expect("csv");
        assert_eq!(export.filename, "open-run-june.csv");
        let text = String::from_utf8(export.bytes).expect("utf-8");
        assert_eq!(
            text,
            "\u{feff}Name,Note\nАйгерим,\"says \"\"hi\"\", twice\"\n\"'=HYPERLINK(\"\"http://evil\"\")\",'-1\n"
        );
    }

    #[test]
    fn xlsx_is_a_workbook() {
        let export = table().export("x", ExportFormat::Xlsx).expect("xlsx");
        assert!(export.bytes.starts_with(b"PK"), "an XLSX file is a zip archive");
        assert_eq!(export.filename, "x.xlsx");
    }
}
