"""The demo people: every people/consent page has something to show, and the gate holds in the demo too."""
from __future__ import annotations

from sqlalchemy import func, select

from portal import audit_check, demo
from portal.db import db
from portal.people.models import Consent, Person
from referrals import demo as referrals_demo


def test_demo_people_fill_every_page(app, login):
    demo.seed()
    db.session.commit()
    from kaa.models import KaaEnrolment  # KAA's demo register has people of its own

    # seven from the people demo, Adam, whom AMI brings to Vägen with a consent for case review (meetings), and
    # Mira, whom Arbetsförmedlingen refers to AMI in the routines' demo (referrals) — less Nora, whose accepted
    # studieavbrott put her in the KAA register too (the on_referral_accepted hook)
    assert db.session.scalar(select(func.count()).select_from(Person).where(
        Person.id.not_in(select(KaaEnrolment.person_id)))) == 8
    # The referrals' demo registers its own consents (purpose remiss) for these people.
    assert db.session.scalar(select(func.count()).select_from(Consent)) == 9 + referrals_demo.CONSENTS_ADDED
    assert audit_check.verify().ok

    from portal.auth.operations import by_email

    af = app.test_client()
    login(by_email("handlaggare@af-hallsberg.example"), demo.DEMO_PASSWORD, client=af)
    listing = af.get("/deltagare").get_data(as_text=True)
    assert "Elsa Lindqvist" in listing and "Saga Nyström" in listing
    assert "Wilma" not in listing and "Omar" not in listing and "Leo" not in listing and "Ida" not in listing

    ami = app.test_client()
    login(by_email("ami.handlaggare@lekeberg.example"), demo.DEMO_PASSWORD, client=ami)
    assert "Noah Karlsson" in ami.get("/deltagare/samtycken/utgar").get_data(as_text=True)
    assert "Deltagare D-" in ami.get("/meddelanden").get_data(as_text=True)
    elsa = db.session.scalar(select(Person).where(Person.first_name == "Elsa")).ref
    for url in ("/deltagare", f"/deltagare/{elsa}", f"/deltagare/{elsa}/samtycken",
                f"/deltagare/{elsa}/samtycken/nytt", f"/deltagare/{elsa}/utlamnande", "/deltagare/ny",
                f"/deltagare/{elsa}/kontakt", f"/deltagare/{elsa}/andra", f"/deltagare/{elsa}/vardnadshavare",
                f"/deltagare/{elsa}/anteckning"):
        assert ami.get(url).status_code == 200, url
