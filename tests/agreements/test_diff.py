"""Section-by-section comparison of two revisions."""
from __future__ import annotations

from agreements import diff
from agreements import draft_operations as drafts
from tests.agreements.helpers import url


def test_compare_reports_added_removed_and_changed(lekeberg):
    first, draft = lekeberg.revisions
    drafts.add_section(draft, title="Kartläggning av nyanlända", by=None)
    drafts.remove_section(draft, next(s for s in draft.sections if s.key == "dokumentation"), by=None)
    changes = {c.title: c for c in diff.compare(first, draft)}
    assert changes["Kartläggning av nyanlända"].kind == "added"
    assert changes["Dokumentation och uppföljning"].kind == "removed"
    changed = changes["Överenskommelsens varaktighet och revidering"]
    assert changed.kind == "changed"
    assert ("+", "Överenskommelsen gäller fr.o.m. 2017-12-31 t.o.m. 2018-12-31.") in changed.lines
    assert ("-", "Överenskommelsen gäller fr.o.m. 2016-12-31 t.o.m. 2017-12-31.") in changed.lines
    assert changes["Syfte"].kind == "same"
    summary = diff.summary(first, draft)
    assert any("Nytt avsnitt: Kartläggning av nyanlända" in line for line in summary)
    assert any("Dokumentation och uppföljning är borttaget" in line for line in summary)


def test_renamed_section_is_changed_not_added(lekeberg):
    first, draft = lekeberg.revisions
    draft.sections[0].title = "Syfte med samverkan"
    change = diff.compare(first, draft)[0]
    assert change.kind == "changed" and change.old_title == "Syfte"


def test_compare_page(lekeberg, client, login_as):
    login_as(org="kommun", roles=("samordnare",))
    html = client.get(url(lekeberg, None, "/jamfor?fran=1&till=2")).get_data(as_text=True)
    assert "Jämför revision 1 med revision 2" in html
    assert "Ändrat" in html and "2018-12-31" in html
    assert client.get(url(lekeberg, None, "/jamfor?fran=1&till=7")).status_code == 404
