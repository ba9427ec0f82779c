"""The people pages: search, register, person page, consents; refused users never see a name or number."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import lxml.html
import pytest
from docx import Document
from sqlalchemy import func, select

from portal.audit import AuditEvent
from portal.db import db
from portal.notifications import Notice
from portal.people import consent as consents
from portal.people import identity
from portal.people.gate import gate
from portal.people.models import Person
from tests.people import factories as f


def _body(response) -> str:
    return response.get_data(as_text=True)


def _assert_hidden(body: str, p) -> None:
    for secret in f.identifiers(p):
        assert secret not in body, f"{secret!r} leaked"


@pytest.fixture
def shared(app, orgs, make_user):
    """A person AMI works with; a consent naming AMI and AF (kontakt, utbildning)."""
    ami_user = make_user(org="ami")
    p = f.person(ami_user)
    c = f.consent(p, ami_user, [orgs["ami"].id, orgs["af"].id])
    return {"person": p, "consent": c, "ami_user": ami_user}


def _refused_urls(p, c):
    return [
        f"/deltagare/{p.ref}", f"/deltagare/{p.ref}/samtycken", "/deltagare",
        f"/deltagare/{p.ref}/samtycken/{c.id}/blankett.docx",
        f"/deltagare/{p.ref}/samtycken/{c.id}/skanning", f"/deltagare/{p.ref}/samtycken/nytt",
        f"/deltagare/{p.ref}/samtycken/{c.id}/aterkalla", f"/deltagare/{p.ref}/andra", f"/deltagare/{p.ref}/kontakt",
        f"/deltagare/{p.ref}/vardnadshavare", f"/deltagare/{p.ref}/anteckning", f"/deltagare/{p.ref}/utlamnande",
        "/deltagare/samtycken/utgar", "/deltagare/utlamnanden", "/deltagare/registerutdrag", "/meddelanden",
    ]


@pytest.mark.parametrize("org", ["skola", "ifo", "kommun"])
def test_refused_user_never_sees_name_or_number(client, login_as, shared, org):
    login_as(org=org, roles=("samordnare",))
    p, c = shared["person"], shared["consent"]
    for url in _refused_urls(p, c):
        response = client.get(url)
        assert response.status_code in (200, 403), (url, response.status_code)
        _assert_hidden(_body(response), p)
    for typed in (p.last_name, p.id_number, p.number_display):
        body = _body(client.post("/deltagare", data={"q": typed}))
        # What the user typed in this very request is echoed in the search box, nothing more.
        _assert_hidden(body.replace(f'value="{typed}"', ""), p)
        assert "Inga deltagare hittades." in body
    page = _body(client.get(f"/deltagare/{p.ref}"))
    assert f"Deltagare {p.pseudonym}" in page
    assert "Samtycke saknas för" in page


def test_refused_user_posting_gets_nothing(client, login_as, shared):
    login_as(org="skola", roles=("samordnare",))
    p, c = shared["person"], shared["consent"]
    for url in (f"/deltagare/{p.ref}/samtycken/{c.id}/aterkalla", f"/deltagare/{p.ref}/anteckning",
                f"/deltagare/{p.ref}/samtycken/nytt"):
        response = client.post(url, data={"reason": "x", "text": "x"})
        assert response.status_code == 403
        _assert_hidden(_body(response), p)
    assert c.withdrawn_dt is None


def test_covered_organisation_sees_what_consent_covers(client, login_as, shared):
    login_as(org="af")
    p = shared["person"]
    page = _body(client.get(f"/deltagare/{p.ref}"))
    assert p.name in page and p.number_display in page
    assert "Hemliga gatan 7" in page and "Anteckning om Elsa i utbildning" in page
    listing = _body(client.get("/deltagare"))
    assert p.name in listing


def test_protected_identity_warns_and_hides_contacts_from_others(client, app, orgs, make_user, login):
    ami_user = make_user(org="ami")
    p = f.person(ami_user, protected=True)
    f.consent(p, ami_user, [orgs["af"].id])
    af_client = app.test_client()
    login(make_user(org="af"), client=af_client)
    page = _body(af_client.get(f"/deltagare/{p.ref}"))
    assert "Skyddade personuppgifter" in page
    assert "Hemliga gatan 7" not in page and "070-123 45 67" not in page
    own_client = app.test_client()
    login(ami_user, client=own_client)
    own = _body(own_client.get(f"/deltagare/{p.ref}"))
    assert "Skyddade personuppgifter" in own and "Hemliga gatan 7" in own


def test_withdrawal_refuses_the_next_request_and_tells_the_recording_org(app, orgs, make_user, shared, login):
    p, c = shared["person"], shared["consent"]
    af_client = app.test_client()
    login(make_user(org="af"), client=af_client)
    assert p.name in _body(af_client.get(f"/deltagare/{p.ref}"))
    ami_client = app.test_client()
    login(shared["ami_user"], client=ami_client)
    response = ami_client.post(f"/deltagare/{p.ref}/samtycken/{c.id}/aterkalla", data={"reason": "Vill inte"})
    assert response.status_code == 302
    page = _body(af_client.get(f"/deltagare/{p.ref}"))
    _assert_hidden(page, p)
    assert "återkallats" in page
    notice = db.session.scalar(select(Notice).where(Notice.organisation_id == orgs["ami"].id))
    assert notice is not None and p.pseudonym in notice.params and p.first_name not in notice.text
    assert p.pseudonym in _body(ami_client.get("/meddelanden"))


def test_a_notice_reads_in_each_readers_language(app, make_user, shared, login):
    p, c = shared["person"], shared["consent"]
    ami_client = app.test_client()
    login(shared["ami_user"], client=ami_client)
    ami_client.post(f"/deltagare/{p.ref}/samtycken/{c.id}/aterkalla", data={"reason": "Vill inte"})
    swedish = app.test_client()
    login(make_user(org="ami"), client=swedish)
    assert f"Ett samtycke för Deltagare {p.pseudonym} har återkallats" in _body(swedish.get("/meddelanden"))
    english = app.test_client()
    login(make_user(org="ami"), client=english)
    english.post("/sprak", data={"lang": "en", "next": "/meddelanden"})
    assert f"A consent for Participant {p.pseudonym} has been withdrawn" in _body(english.get("/meddelanden"))


def test_withdrawal_notice_reaches_only_those_who_can_act_on_it(app, orgs, make_user, shared, login):
    p, c = shared["person"], shared["consent"]
    ami_client = app.test_client()
    login(shared["ami_user"], client=ami_client)
    ami_client.post(f"/deltagare/{p.ref}/samtycken/{c.id}/aterkalla", data={"reason": "Vill inte"})
    for roles in (("org_admin",), ("styrgrupp",), ("system_admin",)):
        colleague = app.test_client()
        login(make_user(org="ami", roles=roles), client=colleague)
        page = _body(colleague.get("/meddelanden"))
        assert p.pseudonym not in page, roles
        assert f"/deltagare/{p.ref}/samtycken" not in page, roles
    caseworker = app.test_client()
    login(make_user(org="ami", roles=("handlaggare",)), client=caseworker)
    assert p.pseudonym in _body(caseworker.get("/meddelanden"))


def test_withdraw_needs_a_reason(client, shared, login):
    login(shared["ami_user"])
    p, c = shared["person"], shared["consent"]
    response = client.post(f"/deltagare/{p.ref}/samtycken/{c.id}/aterkalla", data={"reason": " "})
    assert response.status_code == 400
    assert "Ange varför samtycket återkallas" in _body(response)


def test_each_read_and_refusal_is_audited_once_per_person_per_request(client, app, make_user, shared, login):
    p = shared["person"]
    af_user = make_user(org="af")
    login(af_user)
    client.get(f"/deltagare/{p.ref}")

    def count(action, user):
        return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == action, AuditEvent.person_id == p.id, AuditEvent.user_id == user.id))

    assert count("person.read", af_user) == 1
    refused = make_user(org="skola")
    other = app.test_client()
    login(refused, client=other)
    other.get(f"/deltagare/{p.ref}")
    other.get(f"/deltagare/{p.ref}/samtycken")
    assert count("person.refused", refused) == 2
    assert count("person.read", refused) == 0


def test_duplicate_registration_links_silently_and_reveals_nothing(client, make_user, shared, login):
    p = shared["person"]
    # Not covered by the consent: the school registers the same number.
    login(make_user(org="skola"))
    response = client.post("/deltagare/ny", data={"first_name": p.first_name, "last_name": p.last_name,
                                                   "number": p.number_display}, follow_redirects=True)
    body = _body(response)
    assert response.status_code == 200
    assert "Deltagaren är registrerad för din organisation." in body
    for secret in ("Hemliga gatan 7", "Anteckning om Elsa", "AMI", "Arbetsförmedlingen", "Samtycke nr"):
        assert secret not in body
    assert db.session.scalar(select(func.count()).select_from(Person)) == 1
    consents_page = _body(client.get(f"/deltagare/{p.ref}/samtycken"))
    assert "AMI" not in consents_page and "Arbetsförmedlingen" not in consents_page


def test_register_new_person(client, login_as):
    login_as(org="ami")
    number = f.pnr(f.born(17), "412")
    response = client.post("/deltagare/ny", data={"first_name": "Nils", "last_name": "Ek", "number": number[2:],
                                                   "home_kommun": "1861"}, follow_redirects=True)
    assert response.status_code == 200
    person = db.session.scalar(select(Person))
    assert person.id_number == number.replace("-", "") and person.home_kommun == "1861"
    assert "Hallsberg" in _body(response)


@pytest.mark.parametrize("number, message", [
    ("20080314-2386", "kontrollsiffran"),
    ("20081332-2385", "kontrollsiffran"),
    ("12345", "Ogiltigt personnummer"),
])
def test_bad_personnummer_is_explained_and_kept(client, login_as, number, message):
    login_as(org="ami")
    response = client.post("/deltagare/ny", data={"first_name": "Nils", "last_name": "Ek", "number": number})
    body = _body(response)
    assert response.status_code == 400
    assert message in body
    assert f'value="{number}"' in body and 'value="Nils"' in body


def test_reserve_number_needs_birth_date(client, login_as):
    login_as(org="ami")
    response = client.post("/deltagare/ny", data={"first_name": "Amal", "last_name": "Ali",
                                                   "reserve_number": "R-2026-001"})
    assert response.status_code == 400
    assert "Ange födelsedatum" in _body(response)
    ok = client.post("/deltagare/ny", data={"first_name": "Amal", "last_name": "Ali",
                                             "reserve_number": "R-2026-001", "birth_date": "2009-05-01"})
    assert ok.status_code == 302


@pytest.mark.parametrize("roles, url", [
    (("styrgrupp",), "/deltagare"),
    (("org_admin",), "/deltagare"),
    (("system_admin",), "/deltagare"),
    (("handlaggare",), "/deltagare/registerutdrag"),
    (("handlaggare",), "/deltagare/utlamnanden"),
    (("styrgrupp",), "/deltagare/ny"),
    (("org_admin",), "/deltagare/samtycken/utgar"),
])
def test_wrong_role_is_refused(client, login_as, roles, url):
    login_as(org="ami", roles=roles)
    assert client.get(url).status_code == 403


def test_system_admin_never_sees_a_person(client, login_as, shared):
    login_as(org="ami", roles=("system_admin",))
    p = shared["person"]
    for url in (f"/deltagare/{p.ref}", f"/deltagare/{p.ref}/samtycken", "/deltagare/registerutdrag"):
        response = client.get(url)
        assert response.status_code == 403
        _assert_hidden(_body(response), p)


def test_list_page_query_count_is_constant(app, orgs, make_user, count_queries, login):
    ami_user = make_user(org="ami")
    client = app.test_client()
    login(make_user(org="af"), client=client)

    def add(n):
        for i in range(n):
            p = f.person(ami_user, first=f"Person{i}")
            f.consent(p, ami_user, [orgs["af"].id])

    def statements():
        with count_queries() as counted:
            assert client.get("/deltagare").status_code == 200
        return counted[0]

    add(2)
    few = statements()
    add(10)
    many = statements()
    assert few == many, (few, many)
    print("list page statements:", few)


def test_consent_pages_show_history(client, shared, orgs, login):
    login(shared["ami_user"])
    p, c = shared["person"], shared["consent"]
    page = _body(client.get(f"/deltagare/{p.ref}/samtycken"))
    assert f"Samtycke nr {c.id}" in page and "Gäller" in page
    response = client.get(f"/deltagare/{p.ref}/samtycken/{c.id}/blankett.docx")
    assert response.status_code == 200
    text = "\n".join(par.text for par in Document(io.BytesIO(response.data)).paragraphs)
    assert "Arbetsförmedlingen Hallsberg" in text and "Underskrifter" in text
    assert "Vårdnadshavare" not in text  # an adult signs alone


def _glance(page: str) -> dict[str, list[str]]:
    """The person page's consent table: each organisation's row as the texts of its cells."""
    tree = lxml.html.fromstring(page)
    rows = tree.xpath("//table[contains(@class, 'consent-glance')]/tbody/tr")
    return {" ".join(row.xpath("th")[0].text_content().split()):
            [" ".join(" ".join(td.itertext()).split()) for td in row.xpath("td")] for row in rows}


def test_person_page_shows_consent_at_a_glance_one_row_per_organisation(app, client, make_user, shared, login):
    login(shared["ami_user"])
    p, c = shared["person"], shared["consent"]
    page = _body(client.get(f"/deltagare/{p.ref}"))
    rows = _glance(page)
    # A name with a comma is one organisation, in its own row, not two read from a list.
    assert set(rows) == {"Lekebergs kommun, AMI (din organisation)", "Arbetsförmedlingen Hallsberg"}
    af = rows["Arbetsförmedlingen Hallsberg"]
    until = c.valid_until.isoformat()
    assert af[0].startswith("Ja") and f"Har inte bekräftat samtycke nr {c.id}" in af[0]
    assert af[1] == "Samordning av insatser" and af[2] == "Kontaktuppgifter Utbildning"
    assert af[3] == until and af[4] == f"Samtycke nr {c.id}"
    assert f'href="/deltagare/{p.ref}/samtycken/nytt"' in page  # the main button
    consents.withdraw_consent(c, by=shared["ami_user"], reason="Den unges begäran")
    db.session.commit()
    rows = _glance(_body(client.get(f"/deltagare/{p.ref}")))
    assert rows["Arbetsförmedlingen Hallsberg"][0] == "Nej"
    assert rows["Arbetsförmedlingen Hallsberg"][4] == f"Samtycke nr {c.id} Återkallat"
    # An organisation the consent does not name sees no table (nor the person), and what it can do next.
    other = app.test_client()
    login(make_user(org="skola"), client=other)
    page = _body(other.get(f"/deltagare/{p.ref}"))
    assert "Samtycke saknas" in page and "consent-glance" not in page
    assert "Vad du kan göra" in page and "DUA-samordnaren i din organisation" in page
    assert 'href="/deltagare"' in page.split("Vad du kan göra")[1]


def test_person_page_without_consent_says_what_to_do(client, make_user, login):
    ami_user = make_user(org="ami")
    p = f.person(ami_user)
    db.session.commit()
    login(ami_user)
    page = _body(client.get(f"/deltagare/{p.ref}"))
    assert "consent-glance" not in page and "Det finns inget samtycke som rör din organisation." in page
    assert "registrera det med knappen ovan" in page and f'href="/deltagare/{p.ref}/samtycken/nytt"' in page


def test_a_consent_only_the_recorder_stands_behind_is_not_yet_sight_for_it(client, make_user, orgs, login):
    """The recording organisation sees the others' records only once another party confirms."""
    ami_user = make_user(org="ami")
    p = f.person(ami_user)
    c = f.consent(p, ami_user, [orgs["af"].id])
    db.session.commit()
    login(ami_user)
    rows = _glance(_body(client.get(f"/deltagare/{p.ref}")))
    assert rows["Lekebergs kommun, AMI (din organisation)"][0].startswith("Inte än")
    consents.decide_consent(c, by=make_user(org="af"), confirm=True)
    db.session.commit()
    rows = _glance(_body(client.get(f"/deltagare/{p.ref}")))
    assert rows["Lekebergs kommun, AMI (din organisation)"][0] == "Ja"
    assert rows["Arbetsförmedlingen Hallsberg"][0] == "Ja"


def test_expiring_list_shows_guardian_only_consent_before_18(client, app, orgs, make_user, login):
    ami_user = make_user(org="ami")
    p = f.person(ami_user, birth=f.born(18, 10))
    f.consent(p, ami_user, [orgs["af"].id], given_by_person=False, guardians=["Anna"], view="Positiv",
              maturity="", until=identity.today() + timedelta(days=200))
    assert consents.notify_expiring() == 1
    assert consents.notify_expiring() == 0  # once per consent
    db.session.commit()
    login(ami_user)
    page = _body(client.get("/deltagare/samtycken/utgar"))
    assert p.name in page and "Personen fyller 18 år" in page
    assert "upphör när personen fyller 18 år" in _body(client.get("/meddelanden"))


def test_guardians_only_while_under_18(client, app, orgs, make_user, login):
    user = make_user(org="skola")
    login(user)
    child = f.person(user, birth=f.born(14))
    response = client.post(f"/deltagare/{child.ref}/vardnadshavare", data={"name": "Anna Ek", "relation": "mamma"})
    assert response.status_code == 400 and "telefon eller e-post" in _body(response)
    assert 'value="Anna Ek"' in _body(response)
    assert client.post(f"/deltagare/{child.ref}/vardnadshavare",
                       data={"name": "Anna Ek", "phone": "070-1"}).status_code == 302
    assert "Anna Ek" in _body(client.get(f"/deltagare/{child.ref}"))
    adult = f.person(user, birth=f.born(19))
    response = client.post(f"/deltagare/{adult.ref}/vardnadshavare", data={"name": "Anna Ek", "phone": "070-1"})
    assert response.status_code == 400 and "myndig" in _body(response)
    view = gate(user, child, on=identity.add_years(child.birth_date, 18))
    assert view.guardians == []


def test_formerly_covered_org_sees_nothing_after_withdrawal_on_any_page(client, make_user, shared, login):
    p, c = shared["person"], shared["consent"]
    consents.withdraw_consent(c, by=shared["ami_user"], reason="Den unges begäran")
    db.session.commit()
    login(make_user(org="af", roles=("samordnare",)))
    for url in _refused_urls(p, c):
        response = client.get(url)
        assert response.status_code in (200, 403), (url, response.status_code)
        body = _body(response)
        _assert_hidden(body, p)
        assert "Hemliga gatan 7" not in body and "Anteckning om Elsa" not in body


def test_double_withdrawal_is_explained(client, shared, login):
    login(shared["ami_user"])
    p, c = shared["person"], shared["consent"]
    url = f"/deltagare/{p.ref}/samtycken/{c.id}/aterkalla"
    assert client.post(url, data={"reason": "Första"}).status_code == 302
    again = client.post(url, data={"reason": "Andra"})
    assert again.status_code == 400 and "redan återkallat" in _body(again)


def test_start_page_shows_unread_notices(client, app, orgs, make_user, shared, login):
    consents.withdraw_consent(shared["consent"], by=make_user(org="af"), reason="Den unges begäran")
    db.session.commit()
    login(shared["ami_user"])
    assert "Du har 1 oläst meddelande." in _body(client.get("/"))
    notice = db.session.scalar(select(Notice).where(Notice.organisation_id == orgs["ami"].id))
    client.post(f"/meddelanden/{notice.id}/last")
    start = _body(client.get("/"))
    assert "oläst meddelande" not in start and "Återkallade samtycken" in start
    other = app.test_client()
    login(make_user(org="skola"), client=other)
    assert other.post(f"/meddelanden/{notice.id}/last").status_code == 404


def test_search_finds_by_name_and_number_and_pages_by_post(client, app, orgs, make_user, login):
    user = make_user(org="ami")
    for i in range(27):
        f.person(user, first=f"Förnamn{i:02d}", contact=False, note_category=None)
    target = f.person(user, first="Unik", contact=False, note_category=None)
    login(user)
    assert "Unik Lindqvist" in _body(client.post("/deltagare", data={"q": "unik"}))
    assert "Unik Lindqvist" in _body(client.post("/deltagare", data={"q": target.number_display[2:]}))
    first = _body(client.post("/deltagare", data={"q": "lindqvist"}))
    assert "Sida 1 av 2" in first and 'name="page" value="2"' in first
    second = _body(client.post("/deltagare", data={"q": "lindqvist", "page": "2"}))
    assert "Sida 2 av 2" in second and "28 deltagare" in second
    past = _body(client.post("/deltagare", data={"q": "lindqvist", "page": "5"}))
    assert "Sida 2 av 2" in past and "28 deltagare" in past  # past the last page: the last page
    assert "Unik Lindqvist" not in _body(client.post("/deltagare", data={"q": "ingen-sådan"}))


def test_a_stale_identity_edit_is_refused_and_keeps_what_was_typed(app, make_user, login):
    """The identity is shared: two caseworkers editing it at once must not silently overwrite each other."""
    first_user, second_user = make_user(org="ami"), make_user(org="ami")
    p = f.person(first_user)
    db.session.commit()
    first, second = app.test_client(), app.test_client()
    login(first_user, client=first)
    login(second_user, client=second)
    form_html = _body(second.get(f"/deltagare/{p.ref}/andra"))
    version = re.search(r'name="version" type="hidden" value="([^"]+)"', form_html).group(1)
    assert first.post(f"/deltagare/{p.ref}/andra", data={
        "first_name": "Elsa", "last_name": "Lind", "home_kommun": "", "version": version}).status_code == 302
    late = second.post(f"/deltagare/{p.ref}/andra", data={
        "first_name": "Elsa-Maria", "last_name": "Lindqvist", "home_kommun": "", "version": version})
    assert late.status_code == 409
    assert "Någon annan har ändrat uppgifterna" in _body(late)
    assert 'value="Elsa-Maria"' in _body(late)
    db.session.expire_all()
    assert db.session.get(Person, p.id).last_name == "Lind"
    fresh_version = re.search(r'name="version" type="hidden" value="([^"]+)"', _body(late)).group(1)
    again = second.post(f"/deltagare/{p.ref}/andra", data={
        "first_name": "Elsa-Maria", "last_name": "Lindqvist", "home_kommun": "", "version": fresh_version})
    assert again.status_code == 302
    db.session.expire_all()
    assert db.session.get(Person, p.id).first_name == "Elsa-Maria"


def test_each_row_rests_only_on_the_consents_that_open_records_to_that_organisation(client, make_user, orgs, login):
    """AMI's consent (until D1) waits for Arbetsförmedlingen; Arbetsförmedlingen's (until D2) waits for AMI. Each
    organisation sees the other's records through the other's consent only, until that consent's end."""
    from portal.people import holders

    ami_user, af_user = make_user(org="ami"), make_user(org="af")
    p = f.person(ami_user)
    holders.register_person(by=af_user, first_name="Elsa", last_name="Lindkvist", number=p.number_display)
    db.session.commit()
    mine = f.consent(p, ami_user, [orgs["af"].id], until=identity.today() + timedelta(days=300))
    theirs = f.consent(p, af_user, [orgs["ami"].id], categories=("sysselsattning",),
                       until=identity.today() + timedelta(days=50))
    login(ami_user)
    rows = _glance(_body(client.get(f"/deltagare/{p.ref}")))
    ami_row, af_row = rows["Lekebergs kommun, AMI (din organisation)"], rows["Arbetsförmedlingen Hallsberg"]
    assert ami_row[0].startswith("Ja") and f"Har inte bekräftat samtycke nr {theirs.id}" in ami_row[0]
    assert ami_row[2] == "Sysselsättning och arbete" and ami_row[3] == theirs.valid_until.isoformat()
    assert ami_row[4] == f"Samtycke nr {theirs.id}"
    assert af_row[3] == mine.valid_until.isoformat() and af_row[4] == f"Samtycke nr {mine.id}"
    assert f"Har inte bekräftat samtycke nr {mine.id}" in af_row[0]
