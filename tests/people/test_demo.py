"""The demo people: every people/consent page has something to show, and the gate holds in the demo too."""
from __future__ import annotations

from sqlalchemy import func, select

from portal import audit, demo, people
from portal.consent import Consent
from portal.db import db
from tests.conftest import login


def test_demo_people_fill_every_page(app):
    demo.seed()
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(people.Person)) == 6
    assert db.session.scalar(select(func.count()).select_from(Consent)) == 6
    assert audit.verify().ok

    from portal.auth.operations import by_email

    af = app.test_client()
    login(af, by_email("handlaggare@af-hallsberg.example"), demo.DEMO_PASSWORD)
    listing = af.get("/deltagare").get_data(as_text=True)
    assert "Elsa Lindqvist" in listing and "Saga Nyström" in listing
    assert "Wilma" not in listing and "Omar" not in listing and "Leo" not in listing

    ami = app.test_client()
    login(ami, by_email("ami.handlaggare@lekeberg.example"), demo.DEMO_PASSWORD)
    assert "Noah Karlsson" in ami.get("/deltagare/samtycken/utgar").get_data(as_text=True)
    assert "Deltagare D-" in ami.get("/meddelanden").get_data(as_text=True)
    for url in ("/deltagare", "/deltagare/1", "/deltagare/1/samtycken", "/deltagare/1/samtycken/nytt",
                "/deltagare/1/utlamnande", "/deltagare/ny", "/deltagare/1/kontakt", "/deltagare/1/andra",
                "/deltagare/1/vardnadshavare", "/deltagare/1/anteckning"):
        assert ami.get(url).status_code == 200, url
