"""No input gives a server error: hypothesis sends hostile values into every form, query and id the crawl finds.

The forms are not listed here: the demo portal is crawled as several roles (and as nobody), and every <form> on
the pages they reach is read from the HTML, so a new form is fuzzed the day it appears. Each example takes one
target — a form (POST or GET), a page's query parameters, or an id in an address — fills it as a browser would
(the values on the page, or a plausible value where the page has none) and replaces a few fields with hostile
values: control characters, right-to-left overrides, text longer than every String(n) column, integers beyond
64 bits, 1e999999, nan, -0, broken dates, odd unicode, empty values, hostile file names and contents.

The run is bounded by time: FUZZ_SECONDS (default 90) per database, or FUZZ_EXAMPLES examples (e.g. 5000) for a
longer local run. The counts are printed at the end (run with -s to see them when nothing fails).
"""
from __future__ import annotations

import io
import itertools
import json
import os
import time
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qsl, urlsplit

from hypothesis import HealthCheck, given, note, seed, settings
from hypothesis import strategies as st
from sqlalchemy import String
from werkzeug.datastructures import MultiDict

from portal import demo
from portal.auth import operations as accounts
from portal.auth.models import User
from portal.db import db
from tests.referrals.demo_like import ensure_referrals
from tests.security.helpers import Field, Form, crawl, pattern, raw_multipart

#: Who crawls and fuzzes: one account per kind of page (admin, people, agreements), and nobody.
ROLES = {
    "system_admin": "systemadmin@dua-portalen.example",
    "org_admin": "admin@lekeberg.example",
    "samordnare": "kaa.samordnare@lekeberg.example",
    "styrgrupp": "styrgrupp@lekeberg.example",
    "handlaggare": "ami.handlaggare@lekeberg.example",
    "anonymous": None,
}

BUDGET = float(os.environ.get("FUZZ_SECONDS", "90"))
#: Examples of the first round, which measures what one example costs on this machine and database.
CALIBRATION = 100
MAX_ROUNDS = 6
EXAMPLES = int(os.environ["FUZZ_EXAMPLES"]) if os.environ.get("FUZZ_EXAMPLES") else None

# --- hostile values ----------------------------------------------------------------------------------------------


def _longest_column() -> int:
    return max(c.type.length for t in db.metadata.tables.values() for c in t.columns
               if isinstance(c.type, String) and c.type.length)


CONTROL = ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\u200e", "\u200f", "\u202a",
           "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u2028", "\u2029",
           "\ufeff", "\ufffe", "\r", "\n", "\r\n", "\t"]
NUMBERS = ["1e999999", "-1e999999", "1e-999999", "nan", "NaN", "-nan", "inf", "-Infinity", "-0", "+0", "0", "-1",
           "00", "1_000", "0x1F", " 7 ", "7.5", "7,5", "1,5e3", "²", "١٢", "１２", "9" * 400,
           str(2**31 - 1), str(2**31), str(-(2**31) - 1), str(2**63 - 1), str(2**63), str(-(2**63) - 1),
           str(2**64), str(10**30)]
DATES = ["2026-13-45", "2024-02-30", "0000-00-00", "0001-01-01", "9999-12-31", "10000-01-01", "-0001-01-01",
         "20260101", "2026-01-01T00:00", "2026-1-1", "1900-01-01"]
#: Ids in addresses: the edges of 32 and 64 bits and far beyond.
BIG_IDS = [0, 2**31 - 1, 2**31, 2**32, 2**53 + 1, 2**63 - 1, 2**63, 2**64, 10**30, 10**100]
FILE_NAMES: list[str] = ["a\r\nX-Evil: 1.pdf", "a\nb.pdf", "\u202efdp.exe", "\x1b[31mröd.pdf", "\x0b.pdf", '"; x=".pdf',
              "../../etc/passwd", "C:\\temp\\a.pdf", "å" * 300 + ".pdf", "x" * 1000 + ".png", "", ".", " .pdf",
              "ä ö.pdf", "😀.pdf", "a\x7fb.docx", "\u2028.csv", "a;b,c.csv"]
MAGIC = [b"", b"%PDF-1.4\n", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"PK\x03\x04", b"\xef\xbb\xbf", b"\x00"]


class Long(str):
    """A long text that hypothesis reports by its length, not its thousands of characters."""

    def __repr__(self) -> str:
        return f"Long({self[:1]!r} * {len(self)})"


def texts(longest: int):
    control_mix = st.lists(st.one_of(st.sampled_from(CONTROL), st.text(max_size=4)), max_size=8).map("".join)
    long = st.tuples(st.integers(longest + 1, longest * 20), st.sampled_from(["x", "å", "😀", "a\u0301", "\u202e"]))
    return st.one_of(
        st.text(max_size=30),  # any code point hypothesis likes, control characters included
        control_mix,
        long.map(lambda pair: Long(pair[1] * pair[0])),
        st.just(Long("x" * 200_000)),
        st.sampled_from(NUMBERS),
        st.integers(-(2**80), 2**80).map(str),
        st.floats().map(repr),
        st.sampled_from(DATES),
        st.sampled_from(["", " ", "\u00a0", "<script>alert(1)</script>", "' OR 1=1 --", "%00", "{{7*7}}"]),
    )


def files():
    csv_lines = st.lists(st.tuples(st.sampled_from(["2017-03-31", *DATES]), st.sampled_from(NUMBERS)),
                         max_size=5).map(lambda rows: ("datum;värde\n" + "\n".join(f"{d};{v}" for d, v in rows))
                                         .encode())
    content = st.one_of(st.tuples(st.sampled_from(MAGIC), st.binary(max_size=64)).map(lambda p: p[0] + p[1]),
                        csv_lines, st.text(max_size=40).map(lambda s: s.encode("utf-8", "surrogatepass")))
    names = st.one_of(st.sampled_from(FILE_NAMES), st.text(max_size=20)).map(lambda n: Long(n) if len(n) > 80 else n)
    return st.tuples(content, names)


# --- targets -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryTarget:
    """A GET page and the query parameters it can take (from its links and from every other page's)."""

    role: str
    path: str
    params: tuple[tuple[str, str], ...]


@dataclass
class IdTarget:
    """An address with ids in it: each id is replaced by one beyond the database's range."""

    role: str
    method: str
    url: str
    form: Form | None


#: Plausible values for fields whose page shows none, by name: what passes the operation's own checks.
PLAUSIBLE = {"orgnr": "212000-2981", "number": "20080314-2389", "value": "9,5", "code": "fuzz-{n}",
             "email": "fuzz{n}@example.se"}
_serial = itertools.count(1)  # e-mail addresses and organisation codes must be new each time
BY_KIND = {"email": "fuzz{n}@example.se", "date": date.today().isoformat(), "password": "Tre-glada-tranor-2026!",
           "number": "1", "tel": "070-123 45 67", "textarea": "Text från fuzz-testet."}


#: Files that pass, for upload fields by name: a scanned form, measured values.
GOOD_FILES = {"scan": (b"%PDF-1.4\n%%EOF\n", "blankett.pdf"),
              "file": ("datum;värde\n2017-03-31;9,2\n".encode(), "matvarden.csv")}


def good_value(field: Field) -> str:
    """What a careful user would send in this field: the page's own value, else something that passes."""
    if field.kind == "select":  # a placeholder ("– Välj –") is not a choice, unless the page selected it
        real = [o for o in field.options if o not in ("", "0")]
        return field.value if field.checked or not real else real[0]
    if field.value or field.kind == "select-multiple":
        return field.value
    plausible = PLAUSIBLE.get(field.name.rsplit("-", 1)[-1])  # "m-value": the form's prefix goes
    if plausible is None and (field.required or field.kind == "textarea"):
        plausible = BY_KIND.get(field.kind, "Fuzz")
    return (plausible or "").replace("{n}", str(next(_serial)))


def baseline(form: Form) -> MultiDict:
    """The form as a browser would send it, filled in plausibly, without files."""
    data = MultiDict()
    groups: dict[str, list[Field]] = {}
    for f in form.fields:
        groups.setdefault(f.name, []).append(f)
    for name, members in groups.items():
        kind = members[0].kind
        if kind == "file":
            content, filename = GOOD_FILES.get(name.rsplit("-", 1)[-1], (None, ""))
            if content is not None:
                data[name] = (io.BytesIO(content), filename)
            continue
        if kind in ("checkbox", "select-multiple"):
            chosen = [f for f in members if f.checked] or (members[:2] if len(members) > 1 else [])
            for f in chosen:
                data.add(name, good_value(f) if kind == "checkbox" else f.value or good_value(f))
            if kind == "select-multiple" and not [f for f in members if f.checked]:
                for option in [o for o in members[0].options if o][:2]:
                    data.add(name, option)
        else:
            data[name] = good_value(members[0])
    return data


def _as_json(draw, values: MultiDict) -> str:
    """The form's values as a JSON body, with some of them replaced by other JSON types."""
    odd = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False),
                    st.lists(st.text(max_size=5), max_size=3), st.dictionaries(st.text(max_size=5), st.text(max_size=5),
                                                                             max_size=2))
    body = {k: v for k, v in values.items() if isinstance(v, str)}
    for name in draw(st.lists(st.sampled_from(sorted(body) or ["x"]), max_size=3, unique=True)):
        body[name] = draw(odd)
    return json.dumps(draw(st.one_of(st.just(body), st.lists(st.integers(), max_size=2), st.integers())))


def _raw(values: MultiDict) -> tuple[bytes, str]:
    fields = [(k, (v[0].getvalue(), v[1]) if isinstance(v, tuple) else v) for k, v in values.items(multi=True)]
    return raw_multipart(fields)


# --- sessions ------------------------------------------------------------------------------------------------------


class Browser:
    """A test client logged in as one demo account, logged in again (and the account mended) when the fuzz
    logged it out, deactivated it or took its roles."""

    def __init__(self, app, role: str, email: str | None):
        self.role, self.email, self.client = role, email, app.test_client()
        if email:
            user = db.session.scalar(db.select(User).where(User.email == email))
            self.roles = list(user.role_names)
            self.log_in()

    def log_in(self) -> None:
        response = self.client.post("/logga-in", data={"email": self.email, "password": demo.DEMO_PASSWORD})
        if response.status_code != 302:
            user = db.session.scalar(db.select(User).where(User.email == self.email))
            user.organisation.is_active = True
            accounts.set_active(user, True, by=None)
            accounts.update_user(user, name=user.name, roles=self.roles, by=None)
            db.session.commit()
            response = self.client.post("/logga-in", data={"email": self.email, "password": demo.DEMO_PASSWORD})
        assert response.status_code == 302, f"{self.role} cannot log in again"

    def send(self, method: str, url: str, data: MultiDict | str | tuple | None = None, *, multipart: bool = False):
        if method == "GET":  # a GET form replaces the query of its action with its own fields
            response = self.client.get(urlsplit(url).path if data is not None else url, query_string=data)
        elif isinstance(data, str):
            response = self.client.open(url, method=method, data=data, content_type="application/json")
        elif isinstance(data, tuple):  # a hand-made multipart body and its content type
            response = self.client.open(url, method=method, data=data[0], content_type=data[1])
        else:
            response = self.client.open(url, method=method, data=data,
                                        content_type="multipart/form-data" if multipart else None)
        if self.email and response.status_code == 302 and "/logga-in" in response.headers.get("Location", ""):
            self.log_in()
        return response


def _has_id(url: str) -> bool:
    """An address with a number for a segment (a person's ref, "40HL3-M-zvU7", is no integer id)."""
    return any(segment.isdigit() for segment in urlsplit(url).path.split("/"))


def _fuzz(body, examples: int) -> None:
    """Run `body(data)` for `examples` hypothesis examples (FUZZ_SEED repeats a run)."""
    test = given(st.data())(body)
    if os.environ.get("FUZZ_SEED"):
        test = seed(int(os.environ["FUZZ_SEED"]))(test)
    settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck),
             print_blob=True)(test)()


# --- the test ------------------------------------------------------------------------------------------------------


def test_no_input_gives_a_server_error(app, capsys):
    started = time.monotonic()
    demo.seed()
    db.session.commit()
    ensure_referrals()  # until the demo seeds referrals of its own: the crawl must reach the referral pages
    browsers = {role: Browser(app, role, email) for role, email in ROLES.items()}
    forms: dict[tuple, Form] = {}
    query_urls: set[tuple[str, str]] = set()
    pages: set[tuple[str, str]] = set()
    for role, browser in browsers.items():
        found = crawl(browser.client, role, ["/", "/logga-in", "/tillganglighet"],
                      skip=lambda url: urlsplit(url).path.endswith("/logga-ut"))
        for form in found.forms:
            forms.setdefault((role, *form.key), form)
        query_urls |= {(role, url) for url in found.query_urls}
        pages |= {(role, url) for url, status in found.pages.items() if status == 200}

    param_names = sorted({name for _role, url in query_urls for name, _v in parse_qsl(urlsplit(url).query)}
                         | {f.name for form in forms.values() if form.method == "GET" for f in form.fields})
    query_targets = sorted({QueryTarget(role, urlsplit(url).path, tuple(parse_qsl(urlsplit(url).query)))
                            for role, url in query_urls}, key=repr)
    id_targets = sorted([IdTarget(role, "GET", url, None) for role, url in pages if _has_id(url)]
                        + [IdTarget(form.role, form.method, form.action, form) for form in forms.values()
                           if _has_id(form.action)], key=repr)
    form_targets = sorted(forms.values(), key=lambda f: (f.role, f.key))
    assert form_targets and query_targets and id_targets, "the crawl found nothing to fuzz"
    assert any(urlsplit(url).path.startswith("/remisser/") and _has_id(url) for _role, url in pages), \
        "the crawl reached no referral's page"

    longest = _longest_column()
    hostile = texts(longest)
    deadline = started + BUDGET if EXAMPLES is None else float("inf")
    counts = {"run": 0, "skipped": 0, "forms": 0, "queries": 0, "ids": 0, "statuses": {}, "by_target": {}}

    def fill(draw, form: Form) -> tuple[MultiDict, bool]:
        data = baseline(form)
        names = sorted({f.name for f in form.fields})
        chosen = draw(st.lists(st.sampled_from(names), max_size=min(3, len(names)), unique=True)) if names else []
        has_file = False
        for name in chosen:
            members = [f for f in form.fields if f.name == name]
            kind = members[0].kind
            if kind == "file":
                content, filename = draw(files())
                data.setlist(name, [(io.BytesIO(content), filename)])
                has_file = True
            elif kind in ("checkbox", "select-multiple", "select", "radio", "submit"):
                options = [f.value for f in members] + list(members[0].options)
                values = draw(st.lists(st.one_of(st.sampled_from(options or [""]), hostile), max_size=4))
                data.setlist(name, values) if values else data.poplist(name)  # none ticked: not sent at all
            elif form.method == "POST" and draw(st.integers(0, 19)) == 0:  # a file where the page has text
                data.setlist(name, [(io.BytesIO(draw(st.binary(max_size=16))), draw(st.text(max_size=8)))])
                has_file = True
            else:
                data.setlist(name, [draw(hostile)])
        return data, has_file or form.multipart

    def run(data):
        kind = data.draw(st.sampled_from(["form", "form", "form", "query", "id"]), label="kind")
        if kind == "form":
            form = data.draw(st.sampled_from(form_targets), label="form")
            values, multipart = fill(data.draw, form)
            role, method, url = form.role, form.method, form.action
            if method == "POST" and data.draw(st.integers(0, 19), label="as json") == 0:
                values = _as_json(data.draw, values)  # no page posts JSON; someone may
            elif method == "POST" and multipart and data.draw(st.booleans(), label="names as filename*="):
                values = _raw(values)  # file names with CR/LF or NUL, as only a hand-made body carries them
        elif kind == "query":
            target = data.draw(st.sampled_from(query_targets), label="page")
            values = MultiDict(target.params)
            for name in data.draw(st.lists(st.sampled_from(param_names), min_size=1, max_size=3, unique=True)):
                values.setlist(name, data.draw(st.lists(st.one_of(st.sampled_from(NUMBERS), hostile),
                                                        min_size=1, max_size=2)))
            role, method, url, multipart = target.role, "GET", target.path, False
        else:
            target = data.draw(st.sampled_from(id_targets), label="address")
            path = urlsplit(target.url).path
            segments = path.split("/")
            numeric = [i for i, s in enumerate(segments) if s.isdigit()]
            index = data.draw(st.sampled_from(numeric))
            segments[index] = str(data.draw(st.sampled_from(BIG_IDS), label="id"))
            role, method, url = target.role, target.method, "/".join(segments)
            values, multipart = (baseline(target.form), target.form.multipart) if target.form else (None, False)
        if time.monotonic() > deadline:  # after every draw: a replayed example must draw the same
            counts["skipped"] += 1
            return
        counts["run"] += 1
        counts[{"form": "forms", "query": "queries", "id": "ids"}[kind]] += 1
        note(f"{role}: {method} {url} {values!r}"[:3000])
        response = browsers[role].send(method, url, values, multipart=multipart)
        counts["statuses"][response.status_code] = counts["statuses"].get(response.status_code, 0) + 1
        per_target = counts["by_target"].setdefault(f"{kind} {role} {method} {pattern(url)}", {})
        per_target[response.status_code] = per_target.get(response.status_code, 0) + 1
        assert response.status_code < 500, f"{role}: {method} {url} → {response.status_code}"
        if kind == "id" and int(url.split("/")[index]) > 2**31 - 1:
            assert response.status_code == 404, f"{role}: {method} {url} → {response.status_code}, not 404"

    # Rounds: a short first one measures what an example costs here (on this machine, on this database); each
    # next one plans the examples that fit the time left, until the budget (or FUZZ_EXAMPLES) is spent.
    planned = [CALIBRATION if EXAMPLES is None else min(CALIBRATION, EXAMPLES)]
    while planned[-1] > 0 and len(planned) <= MAX_ROUNDS:
        round_started, before = time.monotonic(), counts["run"]
        _fuzz(run, planned[-1])
        per_example = (time.monotonic() - round_started) / max(counts["run"] - before, 1)
        # Pages grow heavier as the fuzz adds records: plan 80 % of the time left, the next round takes the rest.
        left = EXAMPLES - counts["run"] if EXAMPLES else int(0.8 * (deadline - time.monotonic()) / per_example)
        planned.append(max(left, 0) if EXAMPLES or left >= 20 else 0)  # seconds left: not worth a round

    fields = {(form.key, pattern(f.name)) for form in form_targets for f in form.fields}
    with capsys.disabled():
        print(f"\nfuzz [{db.engine.dialect.name}]: {len({f.key for f in form_targets})} forms "
              f"({len(form_targets)} as {len(browsers)} roles), {len(fields)} fields, {len(query_targets)} query "
              f"pages ({len(param_names)} parameters), {len(id_targets)} addresses with ids; {counts['run']} "
              f"examples ({counts['forms']} forms, {counts['queries']} queries, {counts['ids']} ids; "
              f"rounds of {' + '.join(str(n) for n in planned if n)} planned) in {time.monotonic() - started:.0f} s; "
              f"statuses {sorted(counts['statuses'].items())}")
        if os.environ.get("FUZZ_VERBOSE"):
            for target, statuses in sorted(counts["by_target"].items()):
                print(f"  {target}: {sorted(statuses.items())}")
    assert counts["run"] >= 50, "the fuzz ran too few examples to mean anything"
