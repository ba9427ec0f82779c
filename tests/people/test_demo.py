"""The demo people: every people/consent page has something to show, and the gate holds in the demo too."""
from __future__ import annotations

from sqlalchemy import func, select

from portal import audit_check, demo
from portal.db import db
from portal.people.models import Consent, Person


def test_demo_people_fill_every_page(app, login):
    demo.seed()
    db.session.commit()
    # the people demo's seven, and Mira, whom Arbetsförmedlingen refers to AMI in the routines' demo (referrals)
    assert db.session.scalar(select(func.count()).select_from(Person)) == 8
    assert db.session.scalar(select(func.count()).select_from(Consent)) == 8
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
