"""The import's writing half: the accepted rows registered in bulk, as `holders.register_person` and `kaa.enrol`
would one by one (a known number elsewhere gets only the organisation's own link; nothing of it is revealed)."""
from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, tuple_

from kaa.models import KaaEnrolment
from kaa.operations import kommun_of_code
from portal import audit
from portal.db import db, utcnow
from portal.people.models import ContactDetails, Person, PersonLink

CHUNK = 500


def _chunks(items: list, size: int = CHUNK):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _existing(numbers: list[tuple[str, str]]) -> dict[tuple[str, str], Person]:
    found: dict[tuple[str, str], Person] = {}
    for part in _chunks(numbers):
        for person in db.session.scalars(select(Person).where(tuple_(Person.id_kind, Person.id_number).in_(part))):
            found[(person.id_kind, person.id_number)] = person
    return found


def _ids_where(column, key_column, ids: list[int], *where) -> set[int]:
    found: set[int] = set()
    for part in _chunks(ids):
        found |= set(db.session.scalars(select(column).where(key_column.in_(part), *where)))
    return found


def _pseudonyms(count: int) -> list[str]:
    """`count` unused pseudonyms (D- and six digits), checked against the register in one query per chunk."""
    chosen: set[str] = set()
    while len(chosen) < count:
        wanted = count - len(chosen)
        candidates = {f"D-{secrets.randbelow(900_000) + 100_000}" for _ in range(wanted * 2)} - chosen
        taken = set()
        for part in _chunks(sorted(candidates)):
            taken |= set(db.session.scalars(select(Person.pseudonym).where(Person.pseudonym.in_(part))))
        chosen |= set(sorted(candidates - taken)[:wanted])
    return sorted(chosen)


def _update_contacts(rows: dict[int, dict], org_id: int) -> list[ContactDetails]:
    """The organisation's own address of people it already holds, as the file has it (only where it gives one)."""
    rows = {pid: row for pid, row in rows.items() if any(row.get(k) for k in ("address", "postal_code", "city"))}
    existing: dict[int, ContactDetails] = {}
    for part in _chunks(sorted(rows)):
        existing |= {c.person_id: c for c in db.session.scalars(select(ContactDetails).where(
            ContactDetails.person_id.in_(part), ContactDetails.organisation_id == org_id))}
    changed = []
    for pid, row in rows.items():
        contact = existing.get(pid) or ContactDetails(person_id=pid, organisation_id=org_id)
        changed.append(contact)
        contact.address = row.get("address", "")[:200]
        contact.postal_code = row.get("postal_code", "")[:10]
        contact.city = row.get("city", "")[:100]
        contact.updated_dt = utcnow()
        db.session.add(contact)
    return changed


def register_rows(accepted: list, *, by, kommunkod: str, source: str, on) -> None:
    """accepted: (RowResult, row, first, last, IdNumber); sets each RowResult's status to registered/already."""
    if not accepted:
        return
    org_id, kommun = by.organisation_id, kommun_of_code(kommunkod)
    people = _existing([(p.kind, p.normal) for *_rest, p in accepted])
    known_ids = [p.id for p in people.values()]
    held = _ids_where(PersonLink.person_id, PersonLink.person_id, known_ids, PersonLink.organisation_id == org_id)
    enrolled = _ids_where(KaaEnrolment.person_id, KaaEnrolment.person_id, known_ids,
                          KaaEnrolment.kommunkod == kommunkod, KaaEnrolment.deregistered_on.is_(None))
    new_count = sum(1 for *_rest, p in accepted if (p.kind, p.normal) not in people)
    pseudonyms = iter(_pseudonyms(new_count))
    created = []  # (result, row, first, last, person, is new, already held by the organisation)
    updates: dict[int, dict] = {}  # people the organisation holds: its own contact details from the file
    for result, row, first, last, parsed in accepted:
        person = people.get((parsed.kind, parsed.normal))
        if person is not None and person.id in enrolled:
            result.status, result.message = "already", str(_l("Finns redan i registret."))
            if person.id in held:
                updates[person.id] = row
            continue
        is_new = person is None
        if is_new:
            person = Person(first_name=first, last_name=last, id_kind=parsed.kind, id_number=parsed.normal,
                            birth_date=parsed.birth_date, home_kommun=kommunkod, is_protected=False,
                            pseudonym=next(pseudonyms), ref=secrets.token_urlsafe(9), keeper_org_id=org_id)
            people[(parsed.kind, parsed.normal)] = person
            db.session.add(person)
        created.append((result, row, first, last, person, is_new, person.id in held if not is_new else False))
        result.status = "registered"
    db.session.flush()  # the new people get their ids
    enrolments = []
    for _result, row, first, last, person, _is_new, was_held in created:
        if was_held:
            updates[person.id] = row
        else:
            db.session.add(PersonLink(person_id=person.id, organisation_id=org_id, first_name=first, last_name=last,
                                      home_kommun=kommunkod))
            if any(row.get(k) for k in ("address", "postal_code", "city")):
                db.session.add(ContactDetails(person_id=person.id, organisation_id=org_id,
                                              address=row.get("address", "")[:200],
                                              postal_code=row.get("postal_code", "")[:10],
                                              city=row.get("city", "")[:100]))
        enrolment = KaaEnrolment(person_id=person.id, kommunkod=kommunkod, kommun_org_id=kommun.id, org_id=org_id,
                                 registered_on=on, source=source, origin="import", occupation="okand",
                                 occupation_since=on, next_contact_on=on, no_contact_guardians=[])
        db.session.add(enrolment)
        enrolments.append((enrolment, person, was_held))
    contacts = _update_contacts(updates, org_id)
    db.session.flush()  # one flush: the gate's rows of everyone are derived once
    for contact in contacts:
        audit.record("person.contact", obj=contact, person_id=contact.person_id, by=by)
    for enrolment, person, was_held in enrolments:
        if not was_held:
            # The same event as a registration by hand, whether the number was new or known elsewhere.
            audit.record("person.create", obj=person, person_id=person.id, by=by, details={"kind": person.id_kind})
        audit.record("kaa.enrolment.register", by=by, obj=enrolment, person_id=person.id,
                     details={"source": source, "origin": "import"})
