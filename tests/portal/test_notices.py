"""Notices: only a recipient marks one read, and an organisation's notice only someone it is meant for."""
from __future__ import annotations

import pytest

from portal import notifications
from portal.db import db
from portal.errors import NotPermitted

#: A notice text the portal already sends (so it has its translation).
EXPIRING = "Samtycket för Deltagare %(p)s går ut %(d)s. Förnya det om samarbetet fortsätter."
PARAMS = {"p": "D-1234", "d": "2026-12-24"}


def _body(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def consent_notice(orgs):
    """A notice to Lekeberg's staff who register consents (the org admin does not)."""
    notice = notifications.notify_organisation(orgs["kommun"].id, EXPIRING, params=PARAMS,
                                               permission="consent.register", url="/deltagare")
    db.session.commit()
    return notice


def test_an_org_admin_cannot_mark_read_a_notice_not_in_their_list(app, client, login, make_user,
                                                                   consent_notice):
    caseworker = make_user(org="kommun", roles=("handlaggare",))
    admin = make_user(org="kommun", roles=("org_admin",))
    login(admin)
    assert "D-1234" not in _body(client.get("/meddelanden"))
    assert client.post(f"/meddelanden/{consent_notice.id}/last").status_code == 404
    # The caseworkers it is meant for still see it unread.
    theirs = app.test_client()
    login(caseworker, client=theirs)
    assert "Du har 1 oläst meddelande." in _body(theirs.get("/"))
    db.session.expire_all()
    assert consent_notice.read_dt is None


def test_the_operation_refuses_a_non_recipient_too(make_user, consent_notice):
    admin = make_user(org="kommun", roles=("org_admin",))
    with pytest.raises(NotPermitted) as refused:
        notifications.mark_read(consent_notice, by=admin)
    assert refused.value.reason == "notice:not_recipient"
    db.session.rollback()
    assert consent_notice.read_dt is None


def test_a_recipient_marks_it_read_for_the_whole_organisation(app, client, login, make_user, consent_notice):
    first, second = (make_user(org="kommun", roles=("handlaggare",)) for _ in range(2))
    login(first)
    assert client.post(f"/meddelanden/{consent_notice.id}/last").status_code == 302
    other = app.test_client()
    login(second, client=other)
    start = _body(other.get("/"))
    assert "oläst meddelande" not in start and "Allt är gjort" in start


def test_a_personal_notice_is_only_its_users(app, client, login, make_user):
    owner = make_user(org="kommun")
    colleague = make_user(org="kommun", roles=("org_admin", "handlaggare"))
    notice = notifications.notify_user(owner.id, EXPIRING, params=PARAMS)
    db.session.commit()
    login(colleague)
    assert client.post(f"/meddelanden/{notice.id}/last").status_code == 404
    assert client.post("/meddelanden/999999/last").status_code == 404
    mine = app.test_client()
    login(owner, client=mine)
    assert mine.post(f"/meddelanden/{notice.id}/last").status_code == 302
    db.session.expire_all()
    assert notice.read_dt is not None and notice.read_by_id == owner.id
