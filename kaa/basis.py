"""The register's basis in law (skollagen 29 kap. 9 §) as rows of the gate: who of the kommun's KAA staff sees whom."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, literal, or_, select

from kaa.models import KaaEnrolment
from portal.db import db
from portal.orgs import Organisation
from portal.people.access import LegalBasis, register_legal_basis

KEY = "kaa.register"


def rows(person_ids):
    """(organisation_id, person_id, via, valid_from, valid_until): each enrolment opens the identity, as the holder
    typed it, to the kommun's other organisations of kind kommun (the kommun itself and its KAA units) from the
    registration day on; a closed enrolment stays readable to them (retention comes later)."""
    org = Organisation
    stmt = (select(org.id.label("organisation_id"), KaaEnrolment.person_id, KaaEnrolment.org_id.label("via"),
                   KaaEnrolment.registered_on.label("valid_from"),
                   literal(date(9999, 12, 31), db.Date).label("valid_until"))
            .join(org, and_(or_(org.id == KaaEnrolment.kommun_org_id, org.parent_id == KaaEnrolment.kommun_org_id),
                            org.kind == "kommun", org.id != KaaEnrolment.org_id)))
    return stmt if person_ids is None else stmt.where(KaaEnrolment.person_id.in_(person_ids))


def register() -> None:
    register_legal_basis(LegalBasis(key=KEY, label=_l("KAA-registret (skollagen 29 kap. 9 §)"), rows=rows,
                                    watched={KaaEnrolment: "person_id"}))
