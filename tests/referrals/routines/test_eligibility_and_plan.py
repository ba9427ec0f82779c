"""The routine's age range: a warning the caseworker may pass (kept on the run and audited) unless the agreement
makes it strict (then refused with a clear message); and a stale plan save that shows the stale message and every
field error at once, keeping what was typed."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from agreements.models import Revision
from portal.audit import AuditEvent
from portal.clock import today
from portal.db import db
from referrals import routines as runs
from tests.people import factories as f
from tests.referrals.routines import helpers as h


def token(page: str) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    return found.group(1) if found else ""


def _ubk(revision: Revision):
    return next(r for a in revision.appendices for r in a.routines if r.key == "utbildningskontrakt")


def adult_referral(af, ami, orgs, first: str, age: int):
    """Someone past 20 whom AF referred to AMI under a consent stated to last past the 20th birthday."""
    from portal.people import consent as consents
    from referrals import operations as referral_ops
    from tests.referrals import helpers as rh

    person = f.person(af, first=first, birth=f.born(age))
    consents.register_consent(person, by=af, organisation_ids=[orgs["af"].id, orgs["ami"].id],
                              purposes=["remiss", "samordning"], categories=["kontakt", "utbildning"],
                              valid_from=today() - timedelta(days=5), valid_until=today() + timedelta(days=200),
                              method="digital", given_by_person=True, guardian_names=[], person_view="",
                              maturity_assessment="", is_past_twenty_stated=True)
    referral = rh.received(af, orgs["ami"], ami, person)
    referral_ops.accept(referral, by=ami)
    db.session.commit()
    return referral


@pytest.fixture
def older(lekeberg, af, ami, orgs):
    """Gustav, 27: outside UBK's 20–24 (the seed's range)."""
    return adult_referral(af, ami, orgs, "Gustav", 27)


def test_an_age_outside_the_range_warns_is_kept_on_the_run_and_audited(lekeberg, older, ami, af, orgs, client,
                                                                        login):
    routine = h.routine(ami)
    assert (routine.min_age, routine.max_age, routine.age_strict) == (20, 24, False)
    login(ami)
    start = client.get(f"/remisser/{older.id}/rutin").get_data(as_text=True)
    assert "Deltagaren är 27 år, utanför rutinens åldersgräns." in start
    response = client.post(f"/remisser/{older.id}/rutin", data={"csrf_token": token(start),
                                                                "routine": "utbildningskontrakt"})
    assert response.status_code == 302
    run = db.session.scalars(db.select(runs.RoutineRun)).one()
    assert run.age_outside == 27
    [event] = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "routine.run.age_override"))
    assert json.loads(event.details) == {"age": 27, "range": "20–24"} and event.user_id == ami.id
    page = client.get(f"/remisser/rutiner/{run.id}").get_data(as_text=True)
    assert "Utanför åldersgränsen" in page and "Deltagaren var 27 år när rutinen startades; rutinen gäller 20–24 år" \
        in page
    # inside the range: nothing kept, nothing audited
    young = h.started(ami, adult_referral(af, ami, orgs, "Ida", 22))
    assert young.age_outside is None
    assert len(db.session.scalars(db.select(AuditEvent).where(
        AuditEvent.action == "routine.run.age_override")).all()) == 1


def test_a_strict_age_range_refuses_the_start_with_a_clear_message(lekeberg, older, ami, client, login):
    revision = lekeberg.revisions[1]  # in force, adopted: made strict here as if the agreement had said so
    _ubk(revision).age_strict = True
    db.session.commit()
    with pytest.raises(runs.RoutineError, match="Rutinen gäller deltagare som är 20–24 år; deltagaren är 27 år"):
        runs.start(older.person, h.routine(ami), by=ami, referral=older)
    db.session.rollback()
    login(ami)
    start = client.get(f"/remisser/{older.id}/rutin").get_data(as_text=True)
    response = client.post(f"/remisser/{older.id}/rutin", data={"csrf_token": token(start),
                                                                "routine": "utbildningskontrakt"})
    assert response.status_code == 400 and "åldersgränsen till ett krav" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(runs.RoutineRun)) == 0


def test_a_stale_plan_save_shows_the_stale_message_and_every_field_error_at_once(referred, ami, make_user, client,
                                                                                 login):
    colleague = make_user("ami", ("handlaggare",), name="Kollega Ek")
    person = referred.person
    from referrals import plans

    plans.save(person, by=colleague, expected_version=0, goal="Kollegans mål.")
    db.session.commit()
    login(ami)
    url = f"/remisser/handlingsplan/{person.ref}"
    page = client.get(url).get_data(as_text=True)
    typed = {"csrf_token": token(page), "version": "0", "goal": "", "place": "Min plats, Fjugesta",
             "starts_on": today().isoformat(), "ends_on": (today() - timedelta(days=3)).isoformat(),
             "other_measures": "Praktik hos någon", "other_actor": "", "follow_up_by": "Ahmed"}
    response = client.post(url, data=typed)
    text = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Kollega Ek sparade en ny version av planen medan du skrev" in text
    for message in ("Slutdatumet kan inte vara före startdatumet.", "Skriv målet och syftet med insatserna.",
                    "Skriv vilken aktör som ansvarar för de andra insatserna."):
        assert message in text, message
    assert "Min plats, Fjugesta" in text and "Praktik hos någon" in text and "Kollegans mål." in text
    assert 'name="version" type="hidden" value="1"' in text
    # correcting the fields and saving again makes version 2 on top of the colleague's
    fixed = {**typed, "version": "1", "goal": "Mitt mål.", "ends_on": (today() + timedelta(days=30)).isoformat(),
             "other_actor": "Arbetsförmedlingen"}
    assert client.post(url, data=fixed).status_code == 302
    assert [v.goal for v in plans.plan_for(person, ami.organisation_id).versions] == ["Kollegans mål.", "Mitt mål."]


def test_once_the_consent_is_gone_the_run_page_no_longer_shows_the_persons_age(lekeberg, older, ami, af, client,
                                                                               login):
    """The age is worked out from the personnummer: behind the gate like the name (the pseudonym page keeps only
    that the run was started outside the range)."""
    from portal.people import consent as consents

    run = h.started(ami, older)
    assert run.age_outside == 27
    consent = db.session.scalars(db.select(consents.Consent).where(
        consents.Consent.person_id == run.person_id)).one()
    consents.withdraw_consent(consent, by=af, reason="Vill inte längre.")
    db.session.commit()
    login(ami)
    page = client.get(f"/remisser/rutiner/{run.id}").get_data(as_text=True)
    assert "Gustav" not in page and "Utanför åldersgränsen" in page
    assert "27 år" not in page and "Rutinen gäller 20–24 år." in page
