"""Organisations (kommun, Arbetsförmedlingen, skola, ...) and the operations that create and change them."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, select, true
from sqlalchemy.orm import Mapped, mapped_column, relationship
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.se import orgnr as se_orgnr

from portal import audit
from portal.db import UTCDateTime, db, utcnow
from portal.errors import RuleError, check_version, fingerprint
from portal.permissions import check, has

KINDS: dict[str, object] = {
    "kommun": _l("Kommun"),
    "arbetsformedlingen": _l("Arbetsförmedlingen"),
    "skola": _l("Skola"),
    "socialtjanst": _l("Socialtjänst"),
    "forsakringskassan": _l("Försäkringskassan"),
    "region": _l("Region"),
    "annan": _l("Annan"),
}


class OrgError(RuleError):
    """A rule for organisations was broken; `field` names the form field the message belongs beside."""


class Organisation(db.Model):
    """An organisation (myndighet, kommun or one of its units). Units are separate for every access rule."""

    __tablename__ = "organisations"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('kommun','arbetsformedlingen','skola','socialtjanst','forsakringskassan','region','annan')",
            name="kind_known",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Display name, e.g. "Lekebergs kommun, AMI".
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    #: Unique short code used in URLs and on the command line, e.g. "lekeberg-ami".
    code: Mapped[str] = mapped_column(String(60), nullable=False, unique=True)
    #: One of KINDS.
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    #: Organisationsnummer, formatted NNNNNN-NNNN; shared by a kommun's units, so not unique.
    orgnr: Mapped[str] = mapped_column(String(11), nullable=False, index=True)
    #: The kommun a unit belongs to; nothing is inherited from it.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), nullable=True)
    #: Kommunkod (four digits, portal/data/kommuner.csv) of an organisation of kind kommun, e.g. "1814" for
    #: Lekeberg: the KAA register, its reports and dropout referrals reach the municipality by it. A unit leaves it
    #: empty and counts as its parent kommun's (`kommunkod_of`).
    kommunkod: Mapped[str | None] = mapped_column(String(4), nullable=True)
    #: Inactive organisations keep their records but get no new users.
    is_active: Mapped[bool] = mapped_column(nullable=False, default=True)
    #: Off: the organisation's staff sign in only with e-legitimation (OIDC); set by its org admin.
    password_login_allowed: Mapped[bool] = mapped_column(nullable=False, default=True, server_default=true())
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    parent: Mapped[Organisation | None] = relationship(remote_side="Organisation.id")

    @property
    def kind_label(self) -> str:
        return str(KINDS.get(self.kind, self.kind))

    def __repr__(self) -> str:  # pragma: no cover
        return f"<Organisation {self.code}>"


def kommunkod_of(org: Organisation | None) -> str | None:
    """The kommunkod an organisation acts under: its own (a kommun), else its parent kommun's (a unit such as AMI)."""
    if org is None:
        return None
    if org.kommunkod:
        return org.kommunkod
    return org.parent.kommunkod if org.parent is not None else None


def check_kommunkod(kind: str, value: str | None) -> str | None:
    """A kommunkod from the shipped list of kommuner, for an organisation of kind kommun only (empty allowed)."""
    from portal.people.identity import kommuner

    value = (value or "").strip()
    if not value:
        return None
    if kind != "kommun":
        raise OrgError(_l("Bara en organisation av typen kommun har kommunkod."), field="kommunkod")
    if value not in kommuner():
        raise OrgError(_l("Okänd kommunkod. Ange kommunens fyra siffror, t.ex. 1814 för Lekeberg."),
                       field="kommunkod")
    return value


def normalise_orgnr(value: str) -> str:
    """Validate an organisationsnummer with python-stdnum and return it as NNNNNN-NNNN."""
    try:
        return se_orgnr.format(se_orgnr.validate(value or ""))
    except StdnumError as exc:
        raise OrgError(
            _l("Ogiltigt organisationsnummer. Ange tio siffror, t.ex. 212000-2981."), field="orgnr"
        ) from exc


def by_code(code: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.code == code))


def resolve(code_or_orgnr: str) -> Organisation:
    """Find an organisation by short code, or by an organisationsnummer that exactly one carries."""
    org = by_code(code_or_orgnr)
    if org is not None:
        return org
    try:
        number = normalise_orgnr(code_or_orgnr)
    except OrgError:
        raise OrgError(_l("Ingen organisation har koden %(code)s.", code=code_or_orgnr), field="org") from None
    matches = db.session.scalars(select(Organisation).where(Organisation.orgnr == number)).all()
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise OrgError(_l("Ingen organisation har organisationsnumret %(nr)s.", nr=number), field="org")
    raise OrgError(
        _l("Flera organisationer har organisationsnumret %(nr)s; ange organisationens kod.", nr=number),
        field="org",
    )


def may_manage(actor) -> bool:
    """Organisations are created and changed by whoever holds org.manage (the system admin)."""
    return has(actor, "org.manage")


def version_of(org: Organisation) -> str:
    """What an edit form of the organisation was built from (see portal.errors.check_version)."""
    return fingerprint(org.name, org.kind, org.orgnr, org.parent_id, org.is_active, org.kommunkod)


def create_organisation(
    *, name: str, code: str, kind: str, orgnr: str, parent: Organisation | None = None, kommunkod: str | None = None,
    by) -> Organisation:
    """Create an organisation after checking its rules; writes the audit event.

    `by` is the acting user, or None for a trusted script (the CLI, the demo seeder).
    """
    if by is not None:
        check(may_manage(by), "org.manage")
    name = (name or "").strip()
    code = (code or "").strip().lower()
    if not name:
        raise OrgError(_l("Ange organisationens namn."), field="name")
    if not code or not all(c.isalnum() or c == "-" for c in code):
        raise OrgError(_l("Koden får bara innehålla bokstäver, siffror och bindestreck."), field="code")
    if kind not in KINDS:
        raise OrgError(_l("Okänd typ av organisation."), field="kind")
    number = normalise_orgnr(orgnr)
    kommunkod = check_kommunkod(kind, kommunkod)
    if by_code(code) is not None:
        raise OrgError(_l("Koden %(code)s används redan av en annan organisation.", code=code), field="code")
    org = Organisation(name=name, code=code, kind=kind, orgnr=number, parent=parent, is_active=True,
                       kommunkod=kommunkod)
    db.session.add(org)
    db.session.flush()
    audit.record("org.create", obj=org, by=by, details={"code": code, "orgnr": number})
    return org


def update_organisation(org: Organisation, *, name: str, kind: str, orgnr: str, parent: Organisation | None,
                        is_active: bool, by, expected_version: str | None = None,
                        kommunkod: str | None = None) -> Organisation:
    """Change an organisation's details; the code stays fixed because scripts refer to it.

    A form opened before someone else saved the organisation is refused (StaleEdit) when it sends
    `expected_version`, the version_of() it was built from.
    """
    if by is not None:
        check(may_manage(by), "org.manage", obj=org)
    check_version(expected_version, version_of(org))
    name = (name or "").strip()
    if not name:
        raise OrgError(_l("Ange organisationens namn."), field="name")
    if kind not in KINDS:
        raise OrgError(_l("Okänd typ av organisation."), field="kind")
    ancestor = parent
    while ancestor is not None:  # walk up so that no loop (A under B under A) can arise
        if ancestor.id == org.id:
            raise OrgError(_l("En organisation kan inte ligga under sig själv eller sina egna enheter."),
                           field="parent")
        ancestor = ancestor.parent
    kommunkod = check_kommunkod(kind, kommunkod)
    org.name, org.kind, org.orgnr, org.parent, org.is_active = name, kind, normalise_orgnr(orgnr), parent, is_active
    org.kommunkod = kommunkod
    db.session.flush()
    audit.record("org.update", obj=org, by=by, details={"code": org.code, "active": is_active})
    return org
