"""Import of a CSV list (population register or school lists) into the KAA register, with a report per row.

The file is read whole first (UTF-8 or Windows-1252, `;` or `,`); a file that is no CSV of the expected columns, or
too large, is refused with nothing imported. Then every row is either registered (as the user's organisation,
through `operations.register`: a number known elsewhere reveals nothing), found already in the register, or listed
with its reason (invalid personnummer, turned 20, under 16, a duplicate of an earlier row) — never dropped silently.
All of it runs in the request's one transaction.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l

from kaa import import_bulk as bulk
from kaa import operations as ops
from kaa import rules
from portal import audit
from portal.clock import today
from portal.errors import RuleError
from portal.people.identity import IdNumber, parse_id_number
from portal.permissions import check_by
from portal.text import clean_line

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 10_000

#: Accepted header names (lower case, without accents folded) → the field they fill.
HEADERS = {
    "personnummer": "number", "pnr": "number", "förnamn": "first_name", "fornamn": "first_name",
    "efternamn": "last_name", "namn": "name", "adress": "address", "utdelningsadress": "address",
    "postnummer": "postal_code", "postort": "city", "ort": "city", "skola": "school", "program": "programme",
}


class ImportRefused(RuleError):
    """The file as a whole cannot be read; nothing is imported."""


@dataclass
class RowResult:
    line: int
    number: str
    name: str
    status: str  # "registered", "already", "refused"
    message: str = ""


@dataclass
class ImportReport:
    rows: list[RowResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) or else Windows-1252; a binary file is refused."""
    if b"\x00" in data:
        raise ImportRefused(_l("Filen är ingen CSV-fil (den innehåller binära data)."), field="file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise ImportRefused(_l("Filen kunde inte läsas som text i UTF-8 eller Windows-1252."), field="file") from None


def read_rows(data: bytes) -> list[tuple[int, dict]]:
    """(line number, {field: value}) for each data row, or ImportRefused for the file as a whole."""
    limit = int(current_app.config.get("KAA_IMPORT_MAX_BYTES", MAX_BYTES))
    if len(data) > limit:
        raise ImportRefused(_l("Filen är för stor (högst %(kb)s kB). Dela upp den i flera filer.", kb=limit // 1024),
                            field="file")
    text = decode(data)
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise ImportRefused(_l("Filen är tom."), field="file")
    delimiter = ";" if lines[0].count(";") >= lines[0].count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [clean_line(h).lower() for h in next(reader)]
        fields = [HEADERS.get(h) for h in header]
        if "number" not in fields or not ({"first_name", "last_name"} <= set(fields) or "name" in fields):
            raise ImportRefused(_l("Fel rubrikrad. Filen måste ha kolumnerna personnummer, förnamn och efternamn "
                                   "(eller namn); adress, postnummer, ort, skola och program får finnas."),
                                field="file")
        rows = []
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= int(current_app.config.get("KAA_IMPORT_MAX_ROWS", MAX_ROWS)):
                raise ImportRefused(_l("Filen har för många rader (högst %(n)s).", n=current_app.config.get(
                    "KAA_IMPORT_MAX_ROWS", MAX_ROWS)), field="file")
            row = {f: clean_line(v) for f, v in zip(fields, values, strict=False) if f}
            row["_fields"] = len(values) == len(header)
            rows.append((reader.line_num, row))
    except csv.Error:
        raise ImportRefused(_l("Filen är ingen giltig CSV-fil."), field="file") from None
    return rows


def _names(row: dict) -> tuple[str, str]:
    if row.get("first_name") or row.get("last_name"):
        return row.get("first_name", ""), row.get("last_name", "")
    first, _sep, last = row.get("name", "").rpartition(" ")
    return first, last


def run_import(data: bytes, *, by, source: str = "annat") -> ImportReport:
    """Register every good row for the user's kommun and report each row (see the module's docstring).

    Checked row by row, then written in bulk: the people, links and enrolments already there are read in a few
    IN queries, the new rows go in one flush (so the gate's rows are derived once for everyone), and the audit
    events are appended in one run at the commit: 5,000 rows take seconds, not minutes.
    """
    check_by(by, lambda user, _r: rules.can_work_register(user), None, "kaa:work")
    kommunkod = rules.kaa_kommunkod(by)
    rows = read_rows(data)
    on = today()
    report = ImportReport()
    accepted: list[tuple[RowResult, dict, str, str, IdNumber]] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        first, last = _names(row)
        result = RowResult(line=line, number=row.get("number", ""), name=f"{first} {last}".strip(), status="refused")
        report.rows.append(result)
        result.message = _row_problem(row, first, last, seen, line, on)
        if not result.message:
            accepted.append((result, row, first, last, parse_id_number(row["number"])))
    bulk.register_rows(accepted, by=by, kommunkod=kommunkod, source=source, on=on)
    audit.record("kaa.import", by=by, details={"registered": report.count("registered"),
                                               "already": report.count("already"),
                                               "refused": report.count("refused")})
    return report


def _row_problem(row: dict, first: str, last: str, seen: dict, line: int, on) -> str:
    """Why a row cannot be registered, in Swedish; "" when it can."""
    if not row["_fields"]:
        return str(_l("Raden har fel antal fält."))
    try:
        parsed = parse_id_number(row.get("number", ""))
    except RuleError:
        return str(_l("Ogiltigt personnummer."))
    if parsed.normal in seen:
        return str(_l("Dubblett av rad %(line)s.", line=seen[parsed.normal]))
    seen[parsed.normal] = line
    if not first or not last:
        return str(_l("Ange förnamn och efternamn."))
    problems = ops.check_age(parsed.birth_date, on)
    return str(problems[0][1]) if problems else ""
