"""What a user notices when a page refuses: 403 with the refusal in the audit trail, 404 for what is not there,
the wrong state explained, a stale edit (409) that keeps what was typed, and missing input beside its field."""
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from agreements import goal_operations as goal_ops
from agreements.models import Agreement, Revision
from portal.audit import AuditEvent
from portal.db import db
from tests.agreements.helpers import url
from tests.helpers import events


def _goal_id(agreement, milestone=False) -> int:
    return next(g.id for g in agreement.goals if (g.target_type == "milestone") is milestone)


#: (method, path, form data, the role the page is for). Paths are built from the proposed seed agreement.
PAGES = {
    "edit form": ("GET", lambda a: url(a, 2, "/redigera"), None, "samordnare"),
    "save draft": ("POST", lambda a: url(a, 2, "/redigera"), {"version": "1"}, "samordnare"),
    "add person": ("POST", lambda a: url(a, None, "/personer"), {"person-name": "Eva"}, "samordnare"),
    "new revision": ("POST", lambda a: url(a, None, "/revisioner/ny"), {}, "samordnare"),
    "add section": ("POST", lambda a: url(a, 2, "/avsnitt"), {"ny-title": "Nytt"}, "samordnare"),
    "remove section": ("POST", lambda a: url(a, 2, f"/avsnitt/{a.revisions[1].sections[0].id}/ta-bort"), {},
                       "samordnare"),
    "add appendix": ("POST", lambda a: url(a, 2, "/bilagor"), {"bilaga-number": "4", "bilaga-title": "Ny"},
                     "samordnare"),
    "add routine": ("POST", lambda a: url(a, 2, f"/bilagor/{a.revisions[1].appendices[0].id}/rutiner"),
                    {"title": "Ny"}, "samordnare"),
    "propose": ("POST", lambda a: url(a, 2, "/foresla"), {}, "samordnare"),
    "withdraw": ("POST", lambda a: url(a, 2, "/till-utkast"), {}, "samordnare"),
    "import form": ("GET", lambda a: url(a, 2, "/importera"), None, "samordnare"),
    "new goal form": ("GET", lambda a: url(a, None, "/mal/nytt"), None, "samordnare"),
    "new goal": ("POST", lambda a: url(a, None, "/mal/nytt"), {"indicator": "X"}, "samordnare"),
    "edit goal": ("POST", lambda a: url(a, None, f"/mal/{_goal_id(a)}/andra"), {"indicator": "X"}, "samordnare"),
    "measure": ("POST", lambda a: url(a, None, f"/mal/{_goal_id(a)}/matvarden"),
                {"m-measured_on": "2017-03-31", "m-value": "9"}, "samordnare"),
    "CSV": ("POST", lambda a: url(a, None, f"/mal/{_goal_id(a)}/csv"), {}, "samordnare"),
    "check off": ("POST", lambda a: url(a, None, f"/mal/{_goal_id(a, True)}/avbockning"),
                  {"d-achieved_on": "2017-01-01"}, "samordnare"),
    "adopt form": ("GET", lambda a: url(a, 2, "/anta"), None, "styrgrupp"),
    "adopt": ("POST", lambda a: url(a, 2, "/anta"), {"adopted_on": "2018-01-10"}, "styrgrupp"),
    "comment": ("POST", lambda a: url(a, 2, "/kommentarer"), {"body": "Bra."}, "styrgrupp"),
    "signed copy": ("POST", lambda a: url(a, 1, "/underskriven-kopia"), {}, "styrgrupp"),
    "agreement": ("GET", lambda a: url(a), None, "handlaggare"),
    "adopted revision": ("GET", lambda a: url(a, 1), None, "handlaggare"),
    "document": ("GET", lambda a: url(a, 1, "/dokument.docx"), None, "handlaggare"),
    "compare": ("GET", lambda a: url(a, None, "/jamfor"), None, "handlaggare"),
    "goal": ("GET", lambda a: url(a, None, f"/mal/{_goal_id(a)}"), None, "handlaggare"),
}


def _open(client, method, path, data):
    return client.get(path) if method == "GET" else client.post(path, data=data or {})


def _agreement_events() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action.like("agreement.%")))


@pytest.mark.parametrize("page", PAGES)
def test_staff_of_an_organisation_that_is_no_party_are_refused_and_it_is_audited(proposed, client, staff, login,
                                                                                 page):
    method, path, data, role = PAGES[page]
    user = staff("other", role)
    login(user)
    target = path(proposed)
    before = _agreement_events()
    response = _open(client, method, target, data)
    assert response.status_code == 403
    assert "Åtkomst nekad" in response.get_data(as_text=True)
    [denied] = events("access.denied", user_id=user.id)
    assert '"agreement:not-party"' in denied.details and target in denied.details
    assert denied.object_type == "Agreement" and denied.object_id == str(proposed.id)
    assert _agreement_events() == before


@pytest.mark.parametrize("page", [p for p, (_m, _p, _d, role) in PAGES.items() if role != "handlaggare"])
def test_a_caseworker_of_a_party_may_only_read_and_is_refused_the_rest(proposed, client, staff, login, page):
    method, path, data, _role = PAGES[page]
    user = staff("kommun", "handlaggare")
    login(user)
    before = _agreement_events()
    response = _open(client, method, path(proposed), data)
    assert response.status_code == 403
    assert len(events("access.denied", user_id=user.id)) == 1
    assert _agreement_events() == before


@pytest.mark.parametrize("role, path, reason", [
    ("handlaggare", lambda a: url(a, 2), "agreement:revision-read"),          # a proposal is not for caseworkers
    ("org_admin", lambda a: url(a, 2, "/dokument.docx"), "agreement:revision-read"),
    ("org_admin", lambda a: url(a, 1, "/underskriven-kopia"), "agreement:scan"),  # reads, may not upload
    ("styrgrupp", lambda a: url(a, 1, "/kommentarer"), "agreement:comment"),   # adopted: no more comments
])
def test_a_party_role_without_the_record_rule_is_refused_by_the_loader(proposed, client, staff, login, role, path,
                                                                        reason):
    user = staff("af", role)
    login(user)
    target = path(proposed)
    response = client.post(target, data={"body": "x"}) if target.endswith(("kopia", "kommentarer")) \
        else client.get(target)
    assert response.status_code == 403
    [denied] = events("access.denied", user_id=user.id)
    assert f'"{reason}"' in denied.details


@pytest.mark.parametrize("path", [
    lambda a: url(a, 2, "/avsnitt/999999/ta-bort"),
    lambda a: url(a, 2, "/bilagor/999999/rutiner"),
    lambda a: url(a, 9, "/foresla"),
    lambda a: url(a, None, "/mal/999999/matvarden"),
    lambda a: f"/overenskommelser/{a.id + 1000}/revisioner/ny",
])
def test_what_is_not_there_is_404_for_those_who_may_act(lekeberg, client, login_as, path):
    login_as(org="kommun", roles=("samordnare",))
    assert client.post(path(lekeberg), data={"title": "x"}).status_code == 404


def test_a_goal_of_another_agreement_is_404(lekeberg, client, login_as, orgs):
    from agreements import operations as ops

    other = ops.create_agreement(title="Annan", diarienummer=None, parties=[orgs["kommun"], orgs["af"]], by=None)
    goal = goal_ops.create_goal(other, indicator="Annat mål", unit=None, target_type="milestone",
                                target_date=date(2030, 1, 1), by=None)
    db.session.commit()
    login_as(org="kommun", roles=("samordnare",))
    assert client.get(url(lekeberg, None, f"/mal/{goal.id}")).status_code == 404
    assert client.post(url(lekeberg, None, f"/mal/{goal.id}/avbockning"),
                       data={"d-achieved_on": "2020-01-01"}).status_code == 404


# --- The wrong state, explained --------------------------------------------------------------------------


@pytest.mark.parametrize("role, method, path, message", [
    ("samordnare", "POST", lambda a: url(a, 1, "/foresla"), "antagen och kan inte ändras"),
    ("samordnare", "POST", lambda a: url(a, 2, "/till-utkast"), "Bara en föreslagen revision"),
    ("samordnare", "POST", lambda a: url(a, 1, f"/avsnitt/{a.revisions[0].sections[0].id}/ta-bort"),
     "antagen och kan inte ändras"),
    ("samordnare", "POST", lambda a: url(a, 1, f"/bilagor/{a.revisions[0].appendices[0].id}/rutiner"),
     "antagen och kan inte ändras"),
    ("samordnare", "GET", lambda a: url(a, 1, "/redigera"), "inte ett utkast"),
    ("samordnare", "POST", lambda a: url(a, 1, "/bilagor"), "inte ett utkast"),
    ("styrgrupp", "POST", lambda a: url(a, 2, "/underskriven-kopia"), "bara laddas upp till en antagen"),
])
def test_acting_on_a_revision_in_the_wrong_state_says_why_and_changes_nothing(lekeberg, client, login_as, role,
                                                                               method, path, message):
    login_as(org="kommun", roles=(role,))
    before = _agreement_events()
    data = {"scan": (io.BytesIO(b"%PDF-1.4"), "x.pdf")} if "kopia" in path(lekeberg) else {"title": "Sen"}
    response = _open(client, method, path(lekeberg), data)
    assert response.status_code in (302, 303)
    page = client.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert message in page
    assert _agreement_events() == before


def test_adopting_a_draft_is_refused_beside_the_form(lekeberg, client, login_as):
    login_as(org="af", roles=("styrgrupp",))
    response = client.post(url(lekeberg, 2, "/anta"), data={"adopted_on": "2018-01-10"})
    assert response.status_code == 400 and "måste föreslås" in response.get_data(as_text=True)
    db.session.expire_all()
    assert lekeberg.revisions[1].is_draft


def test_importing_into_the_adopted_revision_is_refused_beside_the_file(lekeberg, client, login_as):
    login_as(org="kommun", roles=("samordnare",))
    response = client.post(url(lekeberg, 1, "/importera"),
                           data={"document": (io.BytesIO(b"PK\x03\x04"), "ok.docx")})
    assert response.status_code == 400 and "antagen och kan inte ändras" in response.get_data(as_text=True)


# --- A stale edit keeps what was typed, and saving again replaces the other change knowingly ----------------


def test_stale_edit_is_409_keeps_the_text_and_a_second_save_wins(lekeberg, client, login_as):
    from agreements import draft_operations as drafts

    login_as(org="kommun", roles=("samordnare",))
    draft = lekeberg.revisions[1]
    syfte = draft.sections[0]
    opened = draft.version
    drafts.save_draft(draft, expected_version=opened, valid_from=draft.valid_from, valid_to=draft.valid_to,
                      next_revision_due=None, place="Fjugesta", change_summary=None,
                      sections=[drafts.SectionInput(syfte.id, syfte.title, "Kollegans text.", 0)], by=None)
    db.session.commit()
    typed = {"version": str(opened), "place": "Min ort", f"section-{syfte.id}-title": syfte.title,
             f"section-{syfte.id}-body": "Min text.", f"section-{syfte.id}-position": "0"}
    response = client.post(url(lekeberg, 2, "/redigera"), data=typed)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "ändrats av någon annan" in html and "Min text." in html and "Kollegans text." in html
    assert 'value="Min ort"' in html
    db.session.expire_all()
    current = db.session.get(Revision, draft.id).version
    assert f'name="version" type="hidden" value="{current}"' in html
    assert db.session.get(type(syfte), syfte.id).body == "Kollegans text."
    again = client.post(url(lekeberg, 2, "/redigera"), data={**typed, "version": str(current)})
    assert again.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(syfte), syfte.id).body == "Min text."


# --- Missing or bad input, beside its field, nothing saved ---------------------------------------------------


def _csv(content: bytes | None):
    return {} if content is None else {"csv-file": (io.BytesIO(content), "v.csv")}


#: (role, path, form data, part of the message shown)
MISSING = {
    "person of no party": ("samordnare", lambda a: url(a, None, "/personer"),
                           lambda a: {"person-party": "-1", "person-name": "Eva"},
                           "Välj en av överenskommelsens parter"),
    "adoption without date": ("styrgrupp", lambda a: url(a, 2, "/anta"), lambda a: {"adopted_on": ""},
                              "Ange datum för beslutet"),
    "adoption in the future": ("styrgrupp", lambda a: url(a, 2, "/anta"),
                               lambda a: {"adopted_on": (date.today() + timedelta(days=2)).isoformat()},
                               "framtiden"),
    "measurement without value": ("samordnare", lambda a: url(a, None, f"/mal/{_goal_id(a)}/matvarden"),
                                  lambda a: {"m-measured_on": "2017-03-31", "m-value": ""}, "Ange ett värde"),
    "CSV without file": ("samordnare", lambda a: url(a, None, f"/mal/{_goal_id(a)}/csv"), lambda a: _csv(None),
                         "Välj en CSV-fil"),
    "empty CSV": ("samordnare", lambda a: url(a, None, f"/mal/{_goal_id(a)}/csv"), lambda a: _csv(b""),
                  "Filen är tom"),
    "CSV with a bad row": ("samordnare", lambda a: url(a, None, f"/mal/{_goal_id(a)}/csv"),
                           lambda a: _csv("datum;värde\n2017-01-01;1\n2017-02-01;två\n".encode()), "Rad 3"),
    "milestone without date": ("samordnare", lambda a: url(a, None, f"/mal/{_goal_id(a, True)}/avbockning"),
                               lambda a: {"d-achieved_on": ""}, "Ange datumet då delmålet nåddes"),
    "milestone in the future": ("samordnare", lambda a: url(a, None, f"/mal/{_goal_id(a, True)}/avbockning"),
                                lambda a: {"d-achieved_on": (date.today() + timedelta(days=2)).isoformat()},
                                "framtiden"),
    "measured goal becomes a milestone": ("samordnare", lambda a: url(a, None, f"/mal/{_goal_id(a)}/andra"),
                                          lambda a: {"indicator": "Ungdomar", "target_type": "milestone",
                                                     "target_date": "2018-01-01"}, "kan inte bytas mellan delmål"),
    "import without file": ("samordnare", lambda a: url(a, 2, "/importera"), lambda a: {}, "Välj en .docx-fil"),
    "import of a PDF": ("samordnare", lambda a: url(a, 2, "/importera"),
                        lambda a: {"document": (io.BytesIO(b"%PDF-1.4"), "avtal.pdf")}, "Filen är en PDF"),
    "appendix without number": ("samordnare", lambda a: url(a, 2, "/bilagor"),
                                lambda a: {"bilaga-number": "", "bilaga-title": "Ny bilaga"}, "Ange bilagans nummer"),
    "draft with a nameless signatory": ("samordnare", lambda a: url(a, 2, "/redigera"),
                                        lambda a: {"version": str(a.revisions[1].version),
                                                   "signatories": "Per, chef\n, titel utan namn"},
                                        "Rad 2 bland underskrifterna saknar namn"),
}


@pytest.mark.parametrize("case", MISSING)
def test_missing_or_bad_input_is_shown_beside_the_field_and_nothing_is_saved(proposed, client, login_as, case):
    role, path, data, message = MISSING[case]
    if role == "samordnare":  # the coordinator works on an open draft
        from agreements import operations as ops

        ops.withdraw_proposal(proposed.revisions[1], by=None)
        db.session.commit()
    login_as(org="kommun" if role == "samordnare" else "af", roles=(role,))
    before = _agreement_events()
    response = client.post(path(proposed), data=data(proposed))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _agreement_events() == before


def test_a_new_agreement_must_bind_the_users_own_organisation(client, login_as, orgs, other_org):
    login_as(org="ami", roles=("samordnare",))
    response = client.post("/overenskommelser/ny", data={
        "title": "Örebros överenskommelse", "parties": [str(other_org.id), str(orgs["af"].id)]})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Din egen organisation måste vara part" in html and 'value="Örebros överenskommelse"' in html
    assert db.session.scalar(select(func.count()).select_from(Agreement)) == 0
    ok = client.post("/overenskommelser/ny", data={"title": "Lekebergs", "parties": [str(orgs["kommun"].id),
                                                                                     str(orgs["af"].id)]})
    assert ok.status_code == 302  # a unit's coordinator may bind its kommun
    [created] = events("agreement.create")
    assert created.organisation_id == orgs["ami"].id


def test_a_new_agreement_without_title_is_refused(client, login_as, orgs):
    login_as(org="kommun", roles=("samordnare",))
    response = client.post("/overenskommelser/ny", data={"title": "", "parties": [str(orgs["kommun"].id)]})
    assert response.status_code == 400 and "Ange överenskommelsens titel" in response.get_data(as_text=True)


def test_a_routine_without_title_is_refused_with_a_message(lekeberg, client, login_as):
    login_as(org="kommun", roles=("samordnare",))
    appendix = lekeberg.revisions[1].appendices[0]
    count = len(appendix.routines)
    response = client.post(url(lekeberg, 2, f"/bilagor/{appendix.id}/rutiner"), data={"title": " "})
    assert response.status_code == 303
    assert "Ange rutinens namn" in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert len(lekeberg.revisions[1].appendices[0].routines) == count
