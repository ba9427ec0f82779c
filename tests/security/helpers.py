"""Plain helpers for the fuzz tests: crawl the portal as a user and read every form and link from the HTML."""
from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

#: Pages whose GET starts a download or changes nothing we can read: fetched (they must not fail) but not parsed.
NOT_HTML = ("text/html",)


@dataclass(frozen=True)
class Field:
    """One named control of a form, as the browser would send it."""

    name: str
    kind: str  # text, textarea, select, checkbox, radio, hidden, file, date, email, password, submit, …
    value: str = ""
    options: tuple[str, ...] = ()
    checked: bool = False  # a ticked box, or an option the page selected itself
    required: bool = False


@dataclass
class Form:
    """A <form> found on a page: where it posts, how, and its controls."""

    role: str
    page: str
    action: str
    method: str
    multipart: bool
    fields: list[Field] = field(default_factory=list)

    @property
    def key(self) -> tuple:
        """The same form on another record's page has the same key (ids in the address do not count)."""
        names = sorted({re.sub(r"\d+", "N", f.name) for f in self.fields})
        return (self.method, pattern(self.action), tuple(names))


def pattern(url: str) -> str:
    """The address with ids as N and the query reduced to its names: pages of one kind share a pattern."""
    parts = urlsplit(url)
    names = sorted({name for name, _value in parse_qsl(parts.query, keep_blank_values=True)})
    return re.sub(r"\d+", "N", parts.path) + ("?" + "&".join(names) if names else "")


class _PageParser(HTMLParser):
    """Collects links and forms (with their inputs, selects, text areas and named buttons) of one page."""

    def __init__(self, role: str, page: str):
        super().__init__(convert_charrefs=True)
        self.role, self.page = role, page
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: dict | None = None
        self._textarea: dict | None = None
        self._radios: dict[str, list[tuple[str, bool]]] = {}

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "option" and self._select is not None:
            self._select["options"].append(a.get("value", ""))
            if "selected" in a:
                self._select["selected"].append(a.get("value", ""))
        elif tag == "a" and a.get("href"):
            self.links.append(urljoin(self.page, a["href"]))
        elif tag == "form":
            self._form = Form(role=self.role, page=self.page, action=urljoin(self.page, a.get("action") or self.page),
                              method=(a.get("method") or "get").upper(),
                              multipart=a.get("enctype", "") == "multipart/form-data")
            self._radios = {}
        elif self._form is None or not a.get("name"):
            return
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind == "radio":
                self._radios.setdefault(a["name"], []).append((a.get("value", "on"), "checked" in a))
            elif kind not in ("submit", "button", "reset", "image"):
                value = a.get("value", "on" if kind == "checkbox" else "")
                self._form.fields.append(Field(a["name"], kind, value, checked="checked" in a,
                                               required="required" in a))
        elif tag == "button" and a.get("value"):
            self._form.fields.append(Field(a["name"], "submit", a["value"]))
        elif tag == "select":
            self._select = {"name": a["name"], "options": [], "selected": [], "multiple": "multiple" in a}
        elif tag == "textarea":
            self._textarea = {"name": a["name"], "text": "", "required": "required" in a}

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["text"] += data

    def handle_endtag(self, tag):
        if self._form is None:
            return
        if tag == "select" and self._select is not None:
            options, selected = tuple(self._select["options"]), self._select["selected"]
            if self._select["multiple"]:
                for value in selected:  # one control per chosen value, as the browser sends them
                    self._form.fields.append(Field(self._select["name"], "select-multiple", value, options, True))
                if not selected:
                    self._form.fields.append(Field(self._select["name"], "select-multiple", "", options))
            else:
                chosen = selected[0] if selected else (options or ("",))[0]
                self._form.fields.append(Field(self._select["name"], "select", chosen, options, bool(selected)))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # A browser drops the one line break that WTForms writes right after <textarea>.
            text = re.sub(r"^\r?\n", "", self._textarea["text"])
            self._form.fields.append(Field(self._textarea["name"], "textarea", text,
                                           required=self._textarea["required"]))
            self._textarea = None
        elif tag == "form":
            for name, values in self._radios.items():
                chosen = next((value for value, checked in values if checked), values[0][0])
                self._form.fields.append(Field(name, "radio", chosen, tuple(value for value, _c in values)))
            self.forms.append(self._form)
            self._form = None


def parse_page(role: str, url: str, html: str) -> tuple[list[str], list[Form]]:
    parser = _PageParser(role, url)
    parser.feed(html)
    return parser.links, parser.forms


@dataclass
class Crawl:
    """What a crawl found: every page fetched (with its status), every form, every link with a query."""

    pages: dict[str, int] = field(default_factory=dict)
    forms: list[Form] = field(default_factory=list)
    query_urls: set[str] = field(default_factory=set)


def crawl(client, role: str, starts: list[str], *, per_pattern: int = 3, max_pages: int = 250,
          skip=lambda url: False) -> Crawl:
    """Follow the portal's own links breadth-first from `starts`, as the logged-in client, reading forms.

    At most `per_pattern` pages of one kind (a person's page for three people, not for all of them).
    """
    found = Crawl()
    seen_patterns: dict[str, int] = {}
    queue = deque(starts)
    while queue and len(found.pages) < max_pages:
        url = queue.popleft()
        parts = urlsplit(url)
        if parts.scheme not in ("", "http") or parts.netloc not in ("", "localhost") \
                or parts.path.startswith("/static") or skip(url):
            continue
        url = parts.path + ("?" + parts.query if parts.query else "")
        if url in found.pages or seen_patterns.get(pattern(url), 0) >= per_pattern:
            continue
        seen_patterns[pattern(url)] = seen_patterns.get(pattern(url), 0) + 1
        response = client.get(url)
        found.pages[url] = response.status_code
        if parts.query:
            found.query_urls.add(url)
        if response.status_code != 200 or not response.mimetype == "text/html":
            continue
        links, forms = parse_page(role, url, response.get_data(as_text=True))
        found.forms.extend(forms)
        for form in forms:
            if form.method == "GET":
                found.query_urls.add(form.action)
        queue.extend(links)
    return found


def raw_multipart(fields: list[tuple[str, object]]) -> tuple[bytes, str]:
    """A multipart body as a client other than a browser may send it: file names in RFC 2231's filename*=,
    which werkzeug decodes, so a name can carry CR/LF or NUL (the test client's own encoder cannot send those).
    `fields` holds (name, text) and (name, (content, filename))."""
    from urllib.parse import quote

    boundary = "fuzzgrans"
    parts = []
    for name, value in fields:
        if isinstance(value, tuple):
            content, filename = value
            head = (f'Content-Disposition: form-data; name="{name}"; '
                    f"filename*=UTF-8''{quote(filename, safe='')}\r\nContent-Type: application/octet-stream")
        else:
            content, head = str(value).encode(), f'Content-Disposition: form-data; name="{name}"'
        parts.append(f"--{boundary}\r\n{head}\r\n\r\n".encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"
