"""Record rules of KAA: whose register a user works in, and who may read an enrolment.

The rule, written once: the KAA register of a kommunkod belongs to the kommun with that code. It is worked by
`kaa.work` staff of the kommun itself or of one of its units of kind kommun (e.g. Lekeberg AMI) — not of a unit of
another kind (the school, IFO: a kommun's branches keep their secrecy; they report through a referral). An enrolment
is held by the organisation whose KAA staff registered it, which registers the person itself; the kommun's other KAA
organisations see the identity through the legal basis `kaa.register`. Anyone else sees an enrolment only as the
gate allows: purpose samordning, categories utbildning or sysselsättning of the holder's records.
"""
from __future__ import annotations

from portal.orgs import Organisation, kommunkod_of
from portal.permissions import has

#: Information categories an enrolment carries for other organisations (through the gate).
CATEGORIES = ("utbildning", "sysselsattning")
PURPOSE = "samordning"


def kaa_kommunkod(user) -> str | None:
    """The kommunkod whose register the user works in, or None: not KAA staff of any kommun."""
    if user is None or not getattr(user, "is_authenticated", False) or not has(user, "kaa.work"):
        return None
    org: Organisation = user.organisation
    if org.kind != "kommun":
        return None
    return kommunkod_of(org)


def can_work(user, enrolment) -> bool:
    """The user is KAA staff of the enrolment's kommun: sees and changes the whole enrolment."""
    code = kaa_kommunkod(user)
    return code is not None and code == enrolment.kommunkod


def can_work_register(user, kommunkod: str | None = None) -> bool:
    """The user may register people in (and list) a register: their own kommun's."""
    code = kaa_kommunkod(user)
    return code is not None and (kommunkod is None or code == kommunkod)


def can_report(user) -> bool:
    """The half-year report (counts only) of the user's kommun: kaa.report in the kommun or a unit of kind kommun."""
    if not has(user, "kaa.report") or user.organisation.kind != "kommun":
        return False
    return kommunkod_of(user.organisation) is not None


def report_kommunkod(user) -> str | None:
    return kommunkod_of(user.organisation) if can_report(user) else None


def can_read(user, enrolment) -> bool:
    """KAA staff of the kommun; anyone else only when the gate opens the holder's utbildning or sysselsättning
    records to them for samordning (a consent the holder stands behind)."""
    if can_work(user, enrolment):
        return True
    from portal.people.gate import gate

    view = gate(user, enrolment.person_id, PURPOSE, record=False)
    shared = view.shared_categories.get(enrolment.org_id, set()) if view.allowed else set()
    return any(category in shared for category in CATEGORIES)
