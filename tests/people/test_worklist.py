"""The start page as a worklist ("Att göra") for consents, and the notices a consent's change sends to every
organisation it named: counts in SQL, the same statements whatever the caseload, never a name on the start page."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from portal.db import db
from portal.notifications import Notice, OutboxMail
from portal.people import consent as consents
from portal.people import identity
from portal.people.worklist import count_expiring
from tests.people import factories as f
from tests.people.test_list_scale import _bulk_people


def _body(response) -> str:
    return response.get_data(as_text=True)


def _card(html: str, key: str) -> str | None:
    """The text of one worklist card, or None when the start page does not show it."""
    match = re.search(rf'<li class="worklist-card" id="att-gora-{key}">(.*?)</li>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split()) if match else None


def test_expiring_consents_are_counted_on_the_start_page_and_listed_behind_the_link(client, orgs, make_user, login):
    ami_user = make_user(org="ami")
    today = identity.today()
    soon = f.person(ami_user, first="Snart")
    f.consent(soon, ami_user, [orgs["af"].id], until=today + timedelta(days=12))
    later = f.person(ami_user, first="Senare")
    f.consent(later, ami_user, [orgs["af"].id], until=today + timedelta(days=200))
    # Only guardians gave it, and the person turns 18 in 20 days: it lapses then, though it runs for a year.
    minor = f.person(ami_user, first="Minor", birth=f.born(18, 20))
    f.consent(minor, ami_user, [orgs["af"].id], until=today + timedelta(days=300), given_by_person=False,
              guardians=("Vårdnadshavare Ett",), view="Vill vara med.")
    login(ami_user)
    html = _body(client.get("/"))
    card = _card(html, "consents-expiring")
    assert card is not None and card.startswith("2 Samtycken som går ut") and "2 samtycken" in card
    assert "Snart" not in html and "Minor" not in html and soon.pseudonym not in html
    listed = _body(client.get("/deltagare/samtycken/utgar"))
    assert "Snart" in listed and "Minor" in listed and "Senare" not in listed
    # The count and the list use one rule.
    assert count_expiring(ami_user) == listed.count("<tr>") - 1


def test_nothing_waiting_says_all_is_done(client, make_user, login):
    login(make_user(org="ami"))
    html = _body(client.get("/"))
    assert "Allt är gjort" in html and 'class="worklist"' not in html


def test_another_organisation_never_sees_the_first_ones_cards(client, orgs, make_user, login):
    ami_user = make_user(org="ami")
    f.consent(f.person(ami_user), ami_user, [orgs["af"].id], until=identity.today() + timedelta(days=5))
    login(make_user(org="af"))
    assert _card(_body(client.get("/")), "consents-expiring") is None


def test_a_role_without_consent_work_gets_no_consent_cards(client, orgs, make_user, login):
    ami_user = make_user(org="ami")
    f.consent(f.person(ami_user), ami_user, [orgs["af"].id], until=identity.today() + timedelta(days=5))
    login(make_user(org="ami", roles=("org_admin",)))
    html = _body(client.get("/"))
    assert _card(html, "consents-expiring") is None and "Allt är gjort" in html
    assert client.get("/deltagare/samtycken/aterkallade").status_code == 403


def test_withdrawing_tells_every_organisation_named_once_by_pseudonym(client, app, orgs, make_user, login):
    ami_user = make_user(org="ami")
    af_user = make_user(org="af")
    skola_user = make_user(org="skola")
    person = f.person(ami_user, first="Elsa", last="Lindqvist")
    consent = f.consent(person, ami_user, [orgs["af"].id, orgs["skola"].id])
    consents.decide_consent(consent, by=af_user, confirm=True)
    consents.withdraw_consent(consent, by=af_user, reason="Den unge ringde.")
    # A hook of another area reacting to the same event with the same key adds nothing.
    from portal import notifications
    from portal.people.consent_notices import notice_key

    assert notifications.notify_organisation(orgs["skola"].id, "x", permission="consent.register",
                                             key=notice_key("withdrawn", consent.id, orgs["skola"].id)) is None
    db.session.commit()
    notices = db.session.scalars(select(Notice).where(Notice.key.like(f"consent-withdrawn-{consent.id}-%"))).all()
    assert sorted(n.organisation_id for n in notices) == sorted([orgs["ami"].id, orgs["af"].id, orgs["skola"].id])
    for notice in notices:
        assert person.pseudonym in notice.params and "Elsa" not in notice.params + notice.message
    # The school, which never confirmed and now sees nothing, is told too, and sees the card and the list.
    login(skola_user)
    assert person.pseudonym in _body(client.get("/meddelanden"))
    card = _card(_body(client.get("/")), "consents-withdrawn")
    assert card is not None and card.startswith("1 Återkallade samtycken")
    listed = _body(client.get("/deltagare/samtycken/aterkallade"))
    assert f"Deltagare {person.pseudonym}" in listed and "Elsa" not in listed


def test_a_new_version_that_drops_an_organisation_tells_it_and_asks_the_others(orgs, make_user):
    ami_user = make_user(org="ami")
    person = f.person(ami_user)
    first = f.consent(person, ami_user, [orgs["af"].id, orgs["skola"].id])
    today = identity.today()
    second = consents.register_consent(
        person, by=ami_user, organisation_ids=[orgs["af"].id, orgs["ifo"].id], purposes=["samordning"],
        categories=["kontakt"], valid_from=today, valid_until=today + timedelta(days=90), method="digital",
        maturity_assessment="Mogen.", supersedes=first)
    db.session.commit()
    keys = set(db.session.scalars(select(Notice.key).where(Notice.key.like(f"consent-%-{second.id}-%"))))
    assert keys == {f"consent-dropped-{second.id}-{orgs['skola'].id}",
                    f"consent-confirm-{second.id}-{orgs['af'].id}", f"consent-confirm-{second.id}-{orgs['ifo'].id}"}


def test_a_notice_by_email_follows_the_users_own_setting(client, orgs, make_user, login):
    ami_user = make_user(org="ami")
    af_user = make_user(org="af")
    login(af_user)
    assert 'name="wanted"' in _body(client.get("/meddelanden"))
    assert client.post("/meddelanden/e-post", data={"wanted": "y"}).status_code == 303
    f.consent(f.person(ami_user, first="Elsa"), ami_user, [orgs["af"].id])
    mails = db.session.scalars(select(OutboxMail)).all()
    assert [m.to_address for m in mails] == [af_user.email]
    assert "Elsa" not in mails[0].body and "/meddelanden" in mails[0].body
    client.post("/meddelanden/e-post", data={})
    f.consent(f.person(ami_user, first="Anna"), ami_user, [orgs["af"].id])
    assert len(db.session.scalars(select(OutboxMail)).all()) == 1


def test_the_start_page_sends_the_same_statements_with_10_and_300_consents(client, orgs, make_user, login,
                                                                           record_queries):
    ami_user = make_user(org="ami")
    ami_id, af_id = orgs["ami"].id, orgs["af"].id
    _bulk_people(ami_id, 10, start=1, consent_for=af_id)
    login(ami_user)

    def statements() -> list[str]:
        client.get("/")
        db.session.expunge_all()
        with record_queries() as recorded:
            response = client.get("/")
        assert response.status_code == 200
        return recorded

    few = statements()
    _bulk_people(ami_id, 290, start=11, consent_for=af_id)
    many = statements()
    assert len(few) == len(many), (len(few), len(many))
    texts = [statement for statement, _params in many]
    assert len(texts) == len(set(texts)), "a statement ran twice in one request"
    print(f"start page: {len(many)} statements with 10 and with 300 consents")


def test_nobody_turns_on_e_mail_for_someone_else(make_user):
    import pytest

    from portal import notifications
    from portal.errors import NotPermitted

    user, other = make_user(org="ami"), make_user(org="ami")
    with pytest.raises(NotPermitted):
        notifications.set_wants_mail(other, True, by=user)
    db.session.rollback()
    assert not notifications.wants_mail(other)
