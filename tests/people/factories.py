"""Builders for people and consents in tests, going through the same operations the app uses."""
from __future__ import annotations

from datetime import date, timedelta

from stdnum import luhn

from portal.db import db
from portal.people import consent as consents
from portal.people import holders, identity
from portal.people import operations as people


def pnr(birth: date, serial: str = "238") -> str:
    """A checksum-valid personnummer (12 digits with a dash) for a birth date."""
    body = birth.strftime("%y%m%d") + serial
    return f"{birth:%Y%m%d}-{serial}{luhn.calc_check_digit(body)}"


def born(years: int, days: int = 0) -> date:
    """Born `years` ago plus `days` (so positive days: turns years+1... later / is still `years - 1`)."""
    return identity.add_years(identity.today(), -years) + timedelta(days=days)


_serial = {"n": 100}


def person(by, *, first="Elsa", last="Lindqvist", birth: date | None = None, protected=False, contact=True,
           note_category="utbildning"):
    """A person registered by `by`'s organisation, with its contact details and one note."""
    _serial["n"] += 1
    birth = birth or born(19)
    p, _ = holders.register_person(by=by, first_name=first, last_name=last, number=pnr(birth, str(_serial["n"])),
                                  is_protected=protected, home_kommun="1814")
    if contact:
        holders.set_contact(p, by=by, address="Hemliga gatan 7", city="Fjugesta", phone="070-123 45 67",
                           email="elsa@exempel.se")
    if note_category:
        people.add_note(p, by=by, category=note_category, text=f"Anteckning om {first} i {note_category}")
    db.session.commit()
    return p


def consent(p, by, org_ids, *, categories=("kontakt", "utbildning"), purposes=("samordning",), start=None,
            until=None, given_by_person=True, guardians=(), view="", maturity="Mogen nog att bestämma själv."):
    start = start or identity.today() - timedelta(days=10)
    until = until or identity.today() + timedelta(days=100)
    c = consents.register_consent(p, by=by, organisation_ids=org_ids, purposes=list(purposes),
                                  categories=list(categories), valid_from=start, valid_until=until,
                                  method="digital", given_by_person=given_by_person, guardian_names=list(guardians),
                                  person_view=view, maturity_assessment=maturity)
    db.session.commit()
    return c


def identifiers(p) -> list[str]:
    """Every form in which a person's name or number could leak into a page."""
    number = p.id_number
    return [p.first_name, p.last_name, number, f"{number[:8]}-{number[8:]}", f"{number[2:8]}-{number[8:]}",
            number[2:]]
