"""The pages offer exactly what the rules allow, in each state of a revision; lists stay bounded in queries; and a
race for the next revision ends in a message, not an error."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import insert

from agreements import adoption
from agreements import operations as ops
from agreements.models import Revision
from portal.db import db
from portal.orgs import Organisation, create_organisation
from tests.agreements.helpers import url

EDIT, PROPOSE, WITHDRAW, ADOPT = "Redigera utkastet", "Föreslå för antagande", "Ta tillbaka till utkast", \
    "Godkänn för"
RECORD = "Registrera en parts beslut"
COMMENT, UPLOAD, ADD_PERSON = "Skicka kommentar", "Ladda upp", "Lägg till kontaktperson"


def _state(agreement, state: str) -> int:
    """Put revision 2 in `state`; returns the number of the revision to look at."""
    if state in ("proposed", "adopted"):
        ops.propose(agreement.revisions[1], by=None)
    if state == "adopted":
        adoption.adopt(agreement.revisions[1], adopted_on=date(2018, 1, 10), by=None)
    db.session.commit()
    return 2


#: (role, state of revision 2) → the buttons and forms its page offers.
OFFERS = {
    ("samordnare", "draft"): {EDIT, PROPOSE},
    ("samordnare", "proposed"): {WITHDRAW, RECORD},  # neither party has a steering-group member here
    ("samordnare", "adopted"): {UPLOAD},
    ("styrgrupp", "draft"): set(),
    ("styrgrupp", "proposed"): {ADOPT, COMMENT},
    ("styrgrupp", "adopted"): {UPLOAD},
    ("handlaggare", "adopted"): set(),
    ("org_admin", "adopted"): set(),
}
EVERYTHING = {EDIT, PROPOSE, WITHDRAW, ADOPT, RECORD, COMMENT, UPLOAD}


@pytest.mark.parametrize("role, state", list(OFFERS))
def test_a_revision_page_offers_what_the_rules_allow_in_its_state(lekeberg, client, login_as, role, state):
    number = _state(lekeberg, state)
    login_as(org="af", roles=(role,))
    page = client.get(url(lekeberg, number)).get_data(as_text=True)
    offered = {label for label in EVERYTHING if label in page}
    assert offered == OFFERS[(role, state)]


@pytest.mark.parametrize("role, may_revise", [("samordnare", True), ("styrgrupp", False), ("handlaggare", False)])
def test_the_agreement_and_goal_pages_offer_changes_only_to_those_who_revise(lekeberg, client, login_as, role,
                                                                             may_revise):
    login_as(org="ami", roles=(role,))
    show = client.get(url(lekeberg)).get_data(as_text=True)
    goal = client.get(url(lekeberg, None, f"/mal/{lekeberg.goals[0].id}")).get_data(as_text=True)
    assert (ADD_PERSON in show) is may_revise
    assert ("Lägg in mätvärde" in goal) is may_revise


def test_the_list_page_query_count_does_not_grow_with_agreements(lekeberg, orgs, client, login_as, count_queries):
    login_as(org="kommun", roles=("handlaggare",))
    kommun_id = orgs["kommun"].id

    def measure() -> int:
        db.session.expunge_all()
        with count_queries() as counter:
            assert client.get("/overenskommelser/").status_code == 200
        return counter[0]

    before = measure()
    kommun = db.session.get(Organisation, kommun_id)
    for n in range(4):
        unit = create_organisation(name=f"Enhet {n}", code=f"enhet-{n}", kind="kommun", orgnr="212000-2981",
                                   parent=kommun, by=None)
        ops.create_agreement(title=f"Överenskommelse {n}", diarienummer=None, parties=[kommun, unit],
                             by=None)
    db.session.commit()
    assert measure() == before
    assert client.get("/overenskommelser/").get_data(as_text=True).count("Överenskommelse ") >= 4


def test_a_race_for_the_next_revision_ends_in_a_message(lekeberg):
    """Two coordinators start revision 3 at once: the database's one-open-revision index refuses the second."""
    ops.propose(lekeberg.revisions[1], by=None)
    adoption.adopt(lekeberg.revisions[1], adopted_on=date(2018, 1, 10), by=None)
    db.session.commit()
    assert lekeberg.open_revision() is None
    # The other request's draft, written behind the back of this session's already loaded revisions.
    db.session.execute(insert(Revision).values(agreement_id=lekeberg.id, number=3, state="draft", version=1))
    with pytest.raises(ops.AgreementError, match="Någon annan startade just en ny revision"):
        ops.new_revision(lekeberg, by=None)


def _get_pages(agreement) -> list[str]:
    goal = agreement.goals[0]
    return [url(agreement), url(agreement, 1), url(agreement, 2), url(agreement, None, "/jamfor"),
            url(agreement, 1, "/dokument.docx"), url(agreement, 2, "/dokument.docx"),
            url(agreement, None, f"/mal/{goal.id}")]


#: role → the extra pages it works in (besides reading), for revision 2 proposed or a draft.
WORK_PAGES = {
    "samordnare": lambda a: [url(a, 2, "/redigera"), url(a, 2, "/importera"), url(a, None, "/mal/nytt"),
                             url(a, None, f"/mal/{a.goals[0].id}/andra"), "/overenskommelser/ny"],
    "styrgrupp": lambda a: [url(a, 2, "/anta")],
}


@pytest.mark.parametrize("unit", ["ami", "ifo", "skola"])
@pytest.mark.parametrize("role", list(WORK_PAGES))
def test_staff_of_every_unit_of_a_party_kommun_work_as_its_staff(lekeberg, client, login_as, unit, role):
    """The agreement binds the kommun as a whole and its units carry it out (agreements.rules)."""
    if role == "styrgrupp":
        _state(lekeberg, "proposed")
    login_as(org=unit, roles=(role,))
    for page in [*_get_pages(lekeberg), *WORK_PAGES[role](lekeberg)]:
        assert client.get(page).status_code == 200, page
