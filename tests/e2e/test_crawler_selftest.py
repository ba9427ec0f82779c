"""The crawler itself: on a deliberately broken site it must report every kind of problem it claims to find."""
from __future__ import annotations

from tests.e2e.crawler import DESKTOP, Crawler, prepare

BASE = "http://trasig.test"

BROKEN = """<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>Trasig</title><style>
.skip-link { position: absolute; left: -9999px; } .skip-link:focus { left: 0; }
a:focus, a:focus-visible { outline: none; } .wide { width: 60rem; } .pale { color: #bbb; }
</style></head><body>
<a class="skip-link" href="#innehall">Hoppa till innehåll</a>
<main id="innehall" tabindex="-1">
<h1>Trasig sida</h1><h3>Hoppar över en nivå</h3>
<p class="pale">Blek text</p>
<div class="wide">Bred ruta</div>
<a href="/saknas">En länk som leder fel</a> <a href="/bilaga/7">En bilaga</a> <a href="/rapport.pdf">PDF</a>
<form method="post" action="/skicka"><input name="namn" required><button>Skicka</button></form>
</main></body></html>"""

NO_SKIP_LINK = """<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>Utan</title></head><body>
<main><h1>Ingen hopplänk</h1><p><a href="/">Tillbaka</a></p></main></body></html>"""


def _serve(route):
    path = route.request.url[len(BASE):]
    if path == "/" or path.startswith("/#"):
        route.fulfill(body=BROKEN, content_type="text/html; charset=utf-8")
    elif path == "/skicka":  # accepts an empty required field: the crawler must object
        route.fulfill(body=NO_SKIP_LINK, content_type="text/html; charset=utf-8")
    elif path == "/rapport.pdf":
        raise AssertionError("the crawler opened a download link")
    elif path == "/bilaga/7":  # a download whose address does not say so
        route.fulfill(body=b"PK", content_type="application/octet-stream",
                      headers={"Content-Disposition": "attachment; filename=bilaga.docx"})
    else:
        route.fulfill(status=404, body=NO_SKIP_LINK, content_type="text/html; charset=utf-8")


def test_crawler_reports_each_kind_of_problem(browser):
    context = prepare(browser.new_context(viewport=DESKTOP))
    context.route(BASE + "/**", _serve)
    report = Crawler(context.new_page(), BASE, "självtest").crawl("/")
    context.close()

    rules = {f.rule.split(" ")[0] for f in report.of_kind("axe")}
    assert {"color-contrast", "label"} <= rules, report.findings
    assert any("h1 följs av h3" in f.detail for f in report.of_kind("headings"))
    assert report.of_kind("focus"), "a link without a focus indicator went unnoticed"
    assert any(f.url == "/" for f in report.of_kind("reflow")), "a 60rem box at 320 px went unnoticed"
    assert report.of_kind("text-200")
    assert [f.url for f in report.of_kind("http")] == ["/saknas"]
    assert report.of_kind("form-accepted-empty")
    assert report.of_kind("skip-link"), "a page without the skip link went unnoticed"
    assert report.forms == ["POST /skicka"]
    assert [entry.split(" ")[0] for entry in report.skipped] == ["/bilaga/7"]
