"""A partner organisation works on a run only through the consent gate (purpose samordning): once the consent is
withdrawn or has run out it can neither see the run nor take, skip or note a step, and no page shows it the
person's name; the holder keeps what its own record gives. No link leads anyone to a run they get 403 on."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal.clock import today
from portal.db import db
from portal.errors import NotPermitted
from portal.people import consent as consents
from referrals import offerings
from referrals import routine_rules as rules
from referrals import routines as runs
from tests.people import factories as f
from tests.referrals.routines import helpers as h


@pytest.fixture
def shared(lekeberg, orgs, ami, af):
    """Nora, registered by AMI, with AMI's consent naming AMI and AF for coordination; AMI holds her UBK run and
    AF works on it as a partner (AF holds no record of her: it sees her only through the consent)."""
    nora = f.person(ami, first="Nora", last="Berglund")
    consent = f.consent(nora, ami, [orgs["ami"].id, orgs["af"].id], purposes=("samordning",))
    run = runs.start(nora, h.routine(ami), by=ami, partner_ids=[orgs["af"].id])
    db.session.commit()
    return run, consent


def _shut(consent, how, ami):
    if how == "withdrawn":
        consents.withdraw_consent(consent, by=ami, reason="Nora vill inte längre.")
    else:  # expired: its period ended yesterday
        consent.valid_until = today() - timedelta(days=1)
    db.session.commit()


def test_the_partner_works_on_the_run_while_the_consent_holds(shared, af, ami, client, login):
    run, _consent = shared
    assert rules.can_see_run(af, run) and rules.can_work_on(af, run)
    h.complete(run, "1", af, note="Hemlig anteckning om Nora.")
    login(af)
    page = client.get(f"/remisser/rutiner/{run.id}").get_data(as_text=True)
    assert "Nora Berglund" in page and "Hemlig anteckning om Nora." in page


@pytest.mark.parametrize("how", ["withdrawn", "expired"])
def test_a_partner_whose_consent_is_gone_can_neither_see_nor_act_on_the_run(shared, af, ami, client, login, how):
    run, consent = shared
    h.complete(run, "1", af, note="Hemlig anteckning om Nora.")
    _shut(consent, how, ami)
    assert not rules.can_see_run(af, run) and not rules.can_work_on(af, run)
    for act in (lambda: runs.complete(run, "2", by=af),
                lambda: runs.skip(run, "2", by=af, reason="Inte aktuellt"),
                lambda: runs.record_meeting(run, "2", by=af, on=today()),
                lambda: runs.record_document(run, by=af, kind="studieplan", title="Studieplan", dated_on=today()),
                lambda: runs.stop(run, by=af, reason="Avslutas")):
        with pytest.raises(NotPermitted):
            act()
        db.session.rollback()
    assert db.session.get(type(run), run.id).current == "2"
    login(af)
    page = client.get(f"/remisser/rutiner/{run.id}")
    assert page.status_code == 403
    for url in (f"/remisser/rutiner/{run.id}", f"/remisser/rutiner/{run.id}/avbryt", "/remisser/rutiner",
                "/remisser/rutiner/tavla/utbildningskontrakt/2", "/remisser/rutiner/uppfoljningar", "/"):
        text = client.get(url).get_data(as_text=True)
        assert "Nora" not in text and "Berglund" not in text and "Hemlig anteckning" not in text, url
    for path in ("steg/2/klar", "steg/2/hoppa", "steg/2/mote", "dokument", "avbryt"):
        assert client.post(f"/remisser/rutiner/{run.id}/{path}", data={}).status_code == 403, path
    # The board counts only runs whose person the gate shows AF: Nora's is no longer among them.
    assert ">1</a>" not in client.get("/remisser/rutiner").get_data(as_text=True)


@pytest.mark.parametrize("how", ["withdrawn", "expired"])
def test_the_holder_keeps_its_own_record_of_the_run_when_the_consent_is_gone(shared, af, ami, client, login, how):
    run, consent = shared
    _shut(consent, how, ami)
    # AMI registered Nora: its own record, not the consent, shows her to it
    assert rules.can_work_on(ami, run)
    runs.skip(run, "1", by=ami, reason="AF har inte längre samtycke; AMI fortsätter själv.")
    db.session.commit()
    login(ami)
    page = client.get(f"/remisser/rutiner/{run.id}").get_data(as_text=True)
    assert "Nora Berglund" in page and "Avbryt rutinen" in page


def test_a_holder_that_saw_the_person_only_through_the_consent_sees_the_pseudonym_and_may_only_stop(
        referred, ami, af, client, login):
    run = h.started(ami, referred)  # AF registered Elsa; AMI sees her through AF's consent
    consent = db.session.scalars(db.select(consents.Consent).where(
        consents.Consent.person_id == run.person_id)).one()
    consents.withdraw_consent(consent, by=af, reason="Vill inte längre.")
    db.session.commit()
    assert rules.can_see_run(ami, run) and not rules.can_work_on(ami, run) and rules.can_stop(ami, run)
    with pytest.raises(NotPermitted):
        runs.skip(run, "1", by=ami, reason="Elsa")
    db.session.rollback()
    login(ami)
    page = client.get(f"/remisser/rutiner/{run.id}").get_data(as_text=True)
    assert "Elsa" not in page and "Inga steg kan tas förrän ett samtycke" in page
    assert "Markera steget som klart" not in page and "Registrera dokumentet" not in page
    stop = client.get(f"/remisser/rutiner/{run.id}/avbryt").get_data(as_text=True)
    assert "Elsa" not in stop and "Avbryt rutinen" in stop


def test_the_kommun_coordinator_is_never_linked_to_a_run_she_may_not_open(lekeberg, orgs, af, ami, make_user,
                                                                           client, login):
    kommun = make_user("kommun", ("samordnare",), name="Karin Kommun")
    ami_coordinator = make_user("ami", ("samordnare",))
    trainee = h.routine(ami, "traineejobb")
    offering = offerings.create(trainee, by=kommun, title="Traineejobb i välfärden", starts_on=today(),
                                ends_on=today() + timedelta(days=365), places=2)
    for name in ("Alva", "Bo"):
        offerings.nominate(offering, h.started(ami, h.accepted_referral(af, ami, orgs, first=name), "traineejobb"),
                           by=kommun)
    db.session.commit()
    login(kommun)
    page = client.get(f"/remisser/rutiner/platser/{offering.id}").get_data(as_text=True)
    links = re.findall(r'href="(/remisser/rutiner/\d+)"', page)
    assert links == [] and page.count("Deltagare ") + page.count("Lindqvist") >= 2
    for link in re.findall(r'href="(/[^"]+)"', page):
        if not link.startswith(("/static", "/logga-ut")):
            assert client.get(link).status_code < 400, link
    # staff of AMI, which holds the runs, are linked (and may open them)
    other = client.application.test_client()
    login(ami_coordinator, client=other)
    offering_ami = offerings.create(trainee, by=ami_coordinator, title="AMI:s platser", starts_on=today(),
                                    ends_on=today() + timedelta(days=365), places=1)
    run = h.started(ami, h.accepted_referral(af, ami, orgs, first="Cia"), "traineejobb")
    offerings.nominate(offering_ami, run, by=ami_coordinator)
    db.session.commit()
    page = other.get(f"/remisser/rutiner/platser/{offering_ami.id}").get_data(as_text=True)
    assert f'href="/remisser/rutiner/{run.id}"' in page
    assert other.get(f"/remisser/rutiner/{run.id}").status_code == 200
