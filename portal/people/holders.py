"""Who holds a person and what each holder may change: registering, the keeper's identity, protection, corrections.

One person, one shared identity kept by the organisation that registered them first (the keeper). Every other
organisation that registers the same number holds its own link with the name as it typed it, learns nothing of
the shared record by registering, changes only its own link, and may ask the keeper for a correction.
"""
from __future__ import annotations

import secrets
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import audit, notifications
from portal.clock import today
from portal.db import db, utcnow
from portal.errors import check_version, fingerprint
from portal.notifications import N_
from portal.people import rules
from portal.people.identity import PersonError, kommuner, normal_reserve_number, parse_id_number
from portal.people.models import ContactDetails, IdentityCorrection, Person, PersonLink
from portal.permissions import check, has


def _new_pseudonym() -> str:
    """A random D-NNNN not used before; longer once four digits get crowded."""
    for digits in (4, 4, 4, 5, 5, 6, 6, 8):
        candidate = f"D-{secrets.randbelow(9 * 10 ** (digits - 1)) + 10 ** (digits - 1)}"
        if db.session.scalar(select(Person.id).where(Person.pseudonym == candidate)) is None:
            return candidate
    raise RuntimeError("could not find a free pseudonym")


def clean_name(value: str, field: str, message) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise PersonError(message, field=field)
    return value


def check_kommun(code: str | None) -> str | None:
    code = (code or "").strip()
    if not code:
        return None
    if code not in kommuner():
        raise PersonError(_l("Välj en kommun ur listan."), field="home_kommun")
    return code


def by_number(kind: str, normal: str) -> Person | None:
    return db.session.scalar(select(Person).where(Person.id_kind == kind, Person.id_number == normal))


def by_ref(ref: str) -> Person | None:
    return db.session.scalar(select(Person).where(Person.ref == ref)) if ref and len(ref) <= 16 else None


def own_link(person: Person, organisation_id: int) -> PersonLink | None:
    return db.session.scalar(select(PersonLink).where(
        PersonLink.person_id == person.id, PersonLink.organisation_id == organisation_id))


def parse_number(number: str, reserve_number: str, birth_date: date | None) -> tuple[str, str, date]:
    """(kind, normalised number, birth date) from what the register form holds, or PersonError beside the field."""
    number = (number or "").strip()
    reserve = normal_reserve_number(reserve_number)
    if number and reserve:
        raise PersonError(_l("Ange antingen personnummer/samordningsnummer eller reservnummer, inte båda."),
                          field="reserve_number")
    if number:
        parsed = parse_id_number(number)
        return parsed.kind, parsed.normal, parsed.birth_date
    if reserve:
        if birth_date is None:
            raise PersonError(_l("Ange födelsedatum när personen bara har ett reservnummer."), field="birth_date")
        if birth_date > today():
            raise PersonError(_l("Födelsedatumet ligger i framtiden."), field="birth_date")
        return "reservnummer", reserve[:40], birth_date
    raise PersonError(_l("Ange personnummer, samordningsnummer eller reservnummer."), field="number")


def register_person(*, by, first_name: str, last_name: str, number: str = "", reserve_number: str = "",
                    birth_date: date | None = None, home_kommun: str | None = None, is_protected: bool = False,
                    address: str = "", postal_code: str = "", city: str = "", phone: str = "", email: str = "",
                    ) -> tuple[Person, str]:
    """Register a person for the user's organisation. Returns (person, "new" | "already").

    "new" whether or not the number was known elsewhere: the organisation gets its own link with the identity as
    it typed it, and nothing of the existing record, its keeper or its other holders reaches it. "already" when
    the user's own organisation holds the person already (nothing changes; it tells them nothing new).
    """
    check(has(by, "person.register"), "permission:person.register")
    problems: list[tuple[str | None, str]] = []  # every problem at once, each beside its field

    def checked(check_one, *args):
        try:
            return check_one(*args)
        except PersonError as exc:
            problems.append((exc.field, str(exc)))
            return None

    first = checked(clean_name, first_name, "first_name", _l("Ange förnamn."))
    last = checked(clean_name, last_name, "last_name", _l("Ange efternamn."))
    kommun = checked(check_kommun, home_kommun)
    parsed = checked(parse_number, number, reserve_number, birth_date)
    checked(_check_email, email)
    if problems:
        raise PersonError(problems[0][1], field=problems[0][0], errors=problems)
    kind, normal, birth = parsed
    person = by_number(kind, normal)
    if person is not None and own_link(person, by.organisation_id) is not None:
        return person, "already"
    if person is None:
        person = Person(first_name=first, last_name=last, id_kind=kind, id_number=normal, birth_date=birth,
                        home_kommun=kommun, is_protected=False, pseudonym=_new_pseudonym(),
                        ref=secrets.token_urlsafe(9), keeper_org_id=by.organisation_id)
        db.session.add(person)
        db.session.flush()
        audit.record("person.create", obj=person, person_id=person.id, by=by, details={"kind": kind})
    else:
        # The same audit action and details as above would tell an auditor of this organisation nothing more.
        audit.record("person.create", obj=person, person_id=person.id, by=by, details={"kind": kind})
    link = PersonLink(person_id=person.id, organisation_id=by.organisation_id, first_name=first, last_name=last,
                      home_kommun=kommun, birth_date=birth if kind == "reservnummer" else None)
    db.session.add(link)
    db.session.flush()
    if is_protected:
        _mark_protected(person, link, by=by)
    if any((address, postal_code, city, phone, email)):
        set_contact(person, by=by, address=address, postal_code=postal_code, city=city, phone=phone, email=email)
    return person, "new"


def _check_email(email: str | None) -> str:
    email = (email or "").strip()
    if email and ("@" not in email or " " in email):
        raise PersonError(_l("Ange en giltig e-postadress, t.ex. namn@exempel.se."), field="email")
    return email


def set_contact(person: Person, *, by, address: str = "", postal_code: str = "", city: str = "",
                phone: str = "", email: str = "") -> ContactDetails:
    """Create or change the contact details the user's organisation holds for the person."""
    rules.check_can_change(by, person)
    email = _check_email(email)
    row = db.session.scalar(select(ContactDetails).where(
        ContactDetails.person_id == person.id, ContactDetails.organisation_id == by.organisation_id))
    if row is None:
        row = ContactDetails(person_id=person.id, organisation_id=by.organisation_id)
        db.session.add(row)
    row.address, row.postal_code, row.city = address.strip(), postal_code.strip(), city.strip()
    row.phone, row.email, row.updated_dt = phone.strip(), email, utcnow()
    db.session.flush()
    audit.record("person.contact", obj=row, person_id=person.id, by=by)
    return row


# --- the identity and its protection ------------------------------------------------------------------------


def identity_version(person: Person, organisation_id: int) -> str:
    """The version of the identity an edit form is built from: a change saved meanwhile must be noticed."""
    link = own_link(person, organisation_id)
    return fingerprint(person.first_name, person.last_name, person.home_kommun, person.is_protected,
                       link.first_name if link else "", link.last_name if link else "",
                       link.home_kommun if link else "", link.is_protected if link else False)


def edits_shared_identity(user, person: Person) -> bool:
    """The keeper's name changes change the shared identity; any other holder's change only its own link."""
    return person.keeper_org_id == user.organisation_id


def update_identity(person: Person, *, by, first_name: str, last_name: str, home_kommun: str | None,
                    is_protected: bool, protection_reason: str = "", expected_version: str | None = None) -> Person:
    """Correct the name or home kommun as the user's organisation holds them, or set/lift its protection marking.

    The keeper changes the shared identity; any other holder its own link. `expected_version` is the
    identity_version the form was built from; StaleEdit if it has changed since.
    """
    rules.check_can_change(by, person)
    link = own_link(person, by.organisation_id)
    check_version(expected_version, identity_version(person, by.organisation_id), record=person)
    first = clean_name(first_name, "first_name", _l("Ange förnamn."))
    last = clean_name(last_name, "last_name", _l("Ange efternamn."))
    kommun = check_kommun(home_kommun)
    if link.is_protected and not is_protected and not " ".join((protection_reason or "").split()):
        raise PersonError(_l("Ange varför markeringen om skyddade personuppgifter tas bort."),
                          field="protection_reason")
    changed = [name for name, old, new in (("first_name", link.first_name, first),
                                           ("last_name", link.last_name, last),
                                           ("home_kommun", link.home_kommun, kommun)) if old != new]
    link.first_name, link.last_name, link.home_kommun = first, last, kommun
    if edits_shared_identity(by, person):
        person.first_name, person.last_name, person.home_kommun = first, last, kommun
    db.session.flush()
    if changed:
        audit.record("person.update", obj=person, person_id=person.id, by=by,
                     details={"fields": changed, "shared": edits_shared_identity(by, person)})
    if is_protected and not link.is_protected:
        _mark_protected(person, link, by=by)
    elif link.is_protected and not is_protected:
        _lift_protection(person, link, by=by, reason=protection_reason)
    return person


def _holders_except(person: Person, organisation_id: int) -> list[int]:
    return list(db.session.scalars(select(PersonLink.organisation_id).where(
        PersonLink.person_id == person.id, PersonLink.organisation_id != organisation_id)))


def _mark_protected(person: Person, link: PersonLink, *, by) -> None:
    """Any holder may mark skyddade personuppgifter; every other holder is told, by pseudonym."""
    link.is_protected = True
    was_protected, person.is_protected = person.is_protected, True
    db.session.flush()
    audit.record("person.protect", obj=person, person_id=person.id, by=by)
    if not was_protected:
        for org_id in _holders_except(person, by.organisation_id):
            notifications.notify_organisation(
                org_id, N_("Deltagare %(p)s har fått skyddade personuppgifter. Kontaktuppgifter visas nu bara för "
                           "den organisation som registrerat dem."),
                params={"p": person.pseudonym}, url=f"/deltagare/{person.ref}", permission="person.view",
                key=f"person-protected-{person.id}-{utcnow().isoformat()}")


def _lift_protection(person: Person, link: PersonLink, *, by, reason: str) -> None:
    """Only the holder that set a marking lifts it, with a reason; the person stays protected while any other
    holder's marking stands, and every holder is told when the protection ends."""
    link.is_protected = False
    db.session.flush()
    others_marked = db.session.scalar(select(PersonLink.id).where(
        PersonLink.person_id == person.id, PersonLink.is_protected.is_(True))) is not None
    person.is_protected = others_marked
    audit.record("person.unprotect", obj=person, person_id=person.id, by=by,
                 details={"reason": " ".join(reason.split()), "still_protected": others_marked})
    if not others_marked:
        for org_id in _holders_except(person, by.organisation_id):
            notifications.notify_organisation(
                org_id, N_("Markeringen om skyddade personuppgifter för Deltagare %(p)s har tagits bort."),
                params={"p": person.pseudonym}, url=f"/deltagare/{person.ref}", permission="person.view",
                key=f"person-unprotected-{person.id}-{utcnow().isoformat()}")


# --- correction requests to the keeper --------------------------------------------------------------------------


def request_correction(person: Person, *, by, message: str) -> IdentityCorrection:
    """A holder that is not the keeper asks the keeper to correct the shared identity (name, number, kommun)."""
    rules.check_can_request_correction(by, person)
    message = (message or "").strip()
    if not message:
        raise PersonError(_l("Skriv vad som behöver rättas och varför."), field="message")
    row = IdentityCorrection(person_id=person.id, from_org_id=by.organisation_id, requested_by_id=by.id,
                             message=message)
    db.session.add(row)
    db.session.flush()
    audit.record("person.correction.request", obj=row, person_id=person.id, by=by)
    notifications.notify_organisation(
        person.keeper_org_id, N_("%(org)s begär rättelse av identitetsuppgifterna för Deltagare %(p)s."),
        params={"org": by.organisation.name, "p": person.pseudonym}, url=f"/deltagare/{person.ref}/andra",
        permission="person.register", key=f"person-correction-{row.id}")
    return row


def open_corrections(person: Person, *, by) -> list[IdentityCorrection]:
    """The correction requests the keeper has not handled yet (for the keeper only)."""
    if not edits_shared_identity(by, person):
        return []
    return list(db.session.scalars(select(IdentityCorrection).where(
        IdentityCorrection.person_id == person.id, IdentityCorrection.handled_dt.is_(None))
        .order_by(IdentityCorrection.id)))


def handle_correction(correction: IdentityCorrection, person: Person, *, by) -> IdentityCorrection:
    """The keeper marks a correction request handled (after changing the identity, or deciding not to)."""
    rules.check_is_keeper(by, person)
    if correction.handled_dt is None:
        correction.handled_dt, correction.handled_by_id = utcnow(), by.id
        db.session.flush()
        audit.record("person.correction.handle", obj=correction, person_id=person.id, by=by)
    return correction
