"""The GDPR art. 15 register extract ("registerutdrag"): what one organisation holds on a person, in words.

Each unit answers for its own register: only the organisation's own records are read (its identity as it typed
it, or the shared identity it keeps; its contact details, guardians and notes; the consents it recorded or that
name it; its disclosures), beside the log of what its staff did (operations.register_extract).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import or_, select

from portal.db import db
from portal.orgs import Organisation
from portal.people import vocabulary
from portal.people.models import (
    Consent,
    ConsentParty,
    ContactDetails,
    Disclosure,
    Guardian,
    Person,
    PersonLink,
    PersonNote,
)


@dataclass
class ExtractPart:
    """One heading of the extract and its records, each as (label, value) lines."""

    title: str
    records: list[list[tuple[str, str]]] = field(default_factory=list)


class RegisterExtract(list):
    """The log rows (what the organisation's staff did with the person's data), with the registered data itself
    in `parts`; empty (and no parts) when the organisation holds nothing on the number."""

    def __init__(self, rows=(), parts=None):
        super().__init__(rows)
        self.parts: list[ExtractPart] = parts or []


def _words(keys, labels) -> str:
    return ", ".join(str(labels.get(key, key)) for key in keys or [])


def _day(value) -> str:
    return value.strftime("%Y-%m-%d") if value else "–"


def held_data(person: Person, organisation_id: int) -> list[ExtractPart]:
    """The organisation's own records of the person, a bounded number of queries whatever it holds."""
    session = db.session
    identity = ExtractPart(_("Identitet"))
    link = session.scalar(select(PersonLink).where(PersonLink.person_id == person.id,
                                                   PersonLink.organisation_id == organisation_id))
    if person.keeper_org_id == organisation_id:
        first, last, kommun, protected = person.first_name, person.last_name, person.home_kommun, person.is_protected
    elif link is not None:
        first, last, kommun, protected = link.first_name, link.last_name, link.home_kommun, link.is_protected
    else:
        return []
    identity.records.append([(_("Namn"), f"{first} {last}".strip()), (_("Nummer"), person.id_number),
                             (_("Födelsedatum"), _day(person.birth_date)), (_("Hemkommun (kod)"), kommun or "–"),
                             (_("Skyddad identitet markerad"), _("ja") if protected else _("nej"))])
    contact = ExtractPart(_("Kontaktuppgifter"), [[
        (_("Adress"), " ".join(p for p in (row.address, row.postal_code, row.city) if p) or "–"),
        (_("Telefon"), row.phone or "–"), (_("E-post"), row.email or "–"), (_("Ändrad"), _day(row.updated_dt))]
        for row in session.scalars(select(ContactDetails).where(ContactDetails.person_id == person.id,
                                                                ContactDetails.organisation_id == organisation_id))])
    guardians = ExtractPart(_("Vårdnadshavare"), [[
        (_("Namn"), row.name), (_("Relation"), row.relation or "–"), (_("Telefon"), row.phone or "–"),
        (_("E-post"), row.email or "–")]
        for row in session.scalars(select(Guardian).where(Guardian.person_id == person.id,
                                                          Guardian.organisation_id == organisation_id)
                                   .order_by(Guardian.id))])
    notes = ExtractPart(_("Anteckningar"), [[
        (_("Datum"), _day(row.created_dt)), (_("Kategori"), str(vocabulary.CATEGORIES.get(row.category, row.category))),
        (_("Text"), row.text)]
        for row in session.scalars(select(PersonNote).where(PersonNote.person_id == person.id,
                                                            PersonNote.organisation_id == organisation_id)
                                   .order_by(PersonNote.created_dt))])
    names = dict(session.execute(select(Organisation.id, Organisation.name)).all())
    named = select(ConsentParty.consent_id).where(ConsentParty.organisation_id == organisation_id)
    consents = ExtractPart(_("Samtycken"), [[
        (_("Gäller"), f"{_day(row.valid_from)} – {_day(row.valid_until)}"),
        (_("Status"), str(vocabulary.STATE_LABELS[row.state(person.birth_date)])),
        (_("Registrerat av"), names.get(row.recorded_by_org_id, "–")),
        (_("Syften"), _words(row.purposes, vocabulary.PURPOSES)),
        (_("Uppgifter"), _words(row.categories, vocabulary.CATEGORIES)),
        (_("Hur det gavs"), str(vocabulary.METHODS.get(row.method, row.method)))]
        for row in session.scalars(select(Consent).where(
            Consent.person_id == person.id,
            or_(Consent.recorded_by_org_id == organisation_id, Consent.id.in_(named))).order_by(Consent.created_dt))])
    disclosures = ExtractPart(_("Utlämnanden"), [[
        (_("Datum"), _day(row.disclosed_on)), (_("Från"), names.get(row.from_org_id, "–")),
        (_("Till"), names.get(row.to_org_id, "–")), (_("Grund"), str(vocabulary.BASES.get(row.basis, row.basis))),
        (_("Uppgifter"), _words(row.categories, vocabulary.CATEGORIES))]
        for row in session.scalars(select(Disclosure).where(
            Disclosure.person_id == person.id,
            or_(Disclosure.from_org_id == organisation_id, Disclosure.to_org_id == organisation_id))
            .order_by(Disclosure.disclosed_on))])
    return [identity, contact, guardians, notes, consents, disclosures]
