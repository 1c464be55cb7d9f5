"""Streaming CSV: UTF-8 with BOM (so Excel shows Chinese), one row at a time so memory stays flat."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence

from django.http import StreamingHttpResponse

UTF8_BOM = "\ufeff"


class _LineReturningFile:
    """A file-like object whose write returns the line, for csv.writer inside a generator."""

    def write(self, value: str) -> str:
        return value


# What makes Excel or WPS run a cell as a formula (CSV injection; vendor text is untrusted): = + - @, | (DDE), and
# their full-width forms, which some locales read as the ASCII ones; also after leading blanks or a line feed.
_FORMULA_STARTS = frozenset("=+-@|\uff1d\uff0b\uff0d\uff20\uff5c")
_LEADING_BLANKS = " \t\r\n\u3000"


def neutralise_formula(value: object) -> object:
    """Text that a spreadsheet would run as a formula, made literal with a leading apostrophe."""
    if isinstance(value, str) and (
        value[:1] in ("\t", "\r", "\n") or value.lstrip(_LEADING_BLANKS)[:1] in _FORMULA_STARTS
    ):
        return "'" + value
    return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    writer = csv.writer(_LineReturningFile())
    yield UTF8_BOM + writer.writerow([str(cell) for cell in header])
    for row in rows:
        yield writer.writerow([neutralise_formula(cell) for cell in row])


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> StreamingHttpResponse:
    """A streamed CSV download. `filename` should be ASCII; the browser shows it as given."""
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
