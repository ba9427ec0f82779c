"""The gate's rules as SQL: who the user's organisation may see, for list pages to filter, count, sort and page.

`gate()` decides what one page shows of the people on it; list pages must first know *which* people, among a
national register, without loading them: `access_rows()` is the same rules as one SELECT the database runs, with
no parameter list that grows with the caseload. tests/consent/test_gate_table.py checks the two agree.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import and_, case, exists, func, literal, select, union_all
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import aliased

from portal.clock import today
from portal.db import db
from portal.people.identity import add_years
from portal.people.models import Consent, ConsentParty, Disclosure, Person, PersonLink
from portal.people.vocabulary import DEFAULT_PURPOSE


def _lists(column, value: str):
    """The JSON list in `column` holds `value` (a purpose key), in the database's own JSON dialect."""
    if db.engine.dialect.name == "postgresql":
        return db.cast(column, JSONB).contains([value])
    members = func.json_each(column).table_valued("value")
    return exists(select(literal(1)).select_from(members).where(members.c.value == value))


def access_rows(user, purpose: str = DEFAULT_PURPOSE, on: date | None = None):
    """(person_id, via) rows, as a CTE: one per way the user's organisation sees a person now.

    `via` is NULL for the organisation's own link, otherwise the holder that opened its records: a party of a
    valid consent naming the organisation that covers `purpose` and that the holder registered or confirmed, or
    the sender of a disclosure today. Mirrors gate._view exactly (see the module docstring).
    """
    on = on or today()
    org_id = user.organisation_id
    ours, theirs, holder = aliased(ConsentParty), aliased(ConsentParty), aliased(PersonLink)
    own = select(PersonLink.person_id.label("person_id"), literal(None, db.Integer).label("via")).where(
        PersonLink.organisation_id == org_id)
    guardian_only = and_(Consent.is_given_by_person.is_(False), func.json_array_length(Consent.guardian_names) > 0)
    consented = (
        select(Consent.person_id, theirs.organisation_id)
        .join(ours, and_(ours.consent_id == Consent.id, ours.organisation_id == org_id))
        .join(theirs, and_(theirs.consent_id == Consent.id, theirs.organisation_id != org_id,
                           theirs.status == "confirmed"))
        .join(holder, and_(holder.person_id == Consent.person_id, holder.organisation_id == theirs.organisation_id))
        .join(Person, Person.id == Consent.person_id)
        .where(Consent.withdrawn_dt.is_(None), Consent.superseded_dt.is_(None), Consent.valid_from <= on,
               Consent.valid_until >= on, _lists(Consent.purposes, purpose),
               # A consent only guardians gave lapses when the person turns 18.
               ~and_(guardian_only, Person.birth_date <= add_years(on, -18))))
    disclosed = select(Disclosure.person_id, Disclosure.from_org_id).join(holder, and_(
        holder.person_id == Disclosure.person_id, holder.organisation_id == Disclosure.from_org_id)).where(
        Disclosure.to_org_id == org_id, Disclosure.disclosed_on == on)
    return union_all(own, consented, disclosed).cte("access")


def visible_ids_query(user, purpose: str = DEFAULT_PURPOSE, on: date | None = None):
    """A SELECT of the ids of everyone whose identity the user's organisation may see now (for IN or JOIN)."""
    access = access_rows(user, purpose, on)
    return select(access.c.person_id).distinct()


def visible_with_source(user, purpose: str = DEFAULT_PURPOSE, on: date | None = None):
    """One row per person the user's organisation may see: person_id, `shared` (1 when the keeper opened its
    records to it) and `via` (the lowest-numbered holder that opened to it, whose typed name it sees when it holds
    nothing itself and the keeper did not open) — gate._view's choice of identity, computed once per list."""
    access = access_rows(user, purpose, on)
    return (select(access.c.person_id,
                   func.max(case((access.c.via == Person.keeper_org_id, 1), else_=0)).label("shared"),
                   func.min(access.c.via).label("via"))
            .join(Person, Person.id == access.c.person_id).group_by(access.c.person_id).subquery("visible"))
