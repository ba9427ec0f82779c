"""API tokens: personal ones, and system tokens that act as a service user of their organisation; stored hashed."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import audit
from portal.auth.models import User
from portal.clock import today
from portal.db import UTCDateTime, db, utcnow
from portal.errors import RuleError
from portal.orgs import Organisation
from portal.permissions import PERMISSIONS, ROLE_PERMISSIONS, SERVICE_ROLES, check, has, permissions_of
from portal.text import clean_line

#: A token is written `dua_<id>_<secret>`; only the secret's SHA-256 is kept.
PREFIX = "dua_"
#: The longest a token may live: agency systems rotate their keys at least once a year.
MAX_DAYS = 366
#: last_used_dt is written at most this often (a busy integration would otherwise write on every request).
LAST_USED_EVERY = timedelta(minutes=1)
#: The permissions a system token may be given.
SYSTEM_SCOPES = frozenset().union(*(ROLE_PERMISSIONS[r] for r in SERVICE_ROLES))


class TokenError(RuleError):
    """A token cannot be made as asked; the message names the field."""


class ApiToken(db.Model):
    """A key an agency system (or one member of staff) uses for /api/v1/, scoped to named permissions."""

    __tablename__ = "api_tokens"
    __table_args__ = (CheckConstraint("kind IN ('personal','system')", name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "personal" (acts as its owner) or "system" (acts as its own service user of the organisation).
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    #: What it is for, e.g. "Treserva, import av remisser".
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    #: The user the token acts as: its owner, or the system token's service user.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    #: Permission names (portal.permissions.PERMISSIONS); the token may do only these, and only while its user may.
    scopes: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    #: SHA-256 (hex) of the secret; the secret itself is shown once and never stored.
    secret_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    #: The end of the token's last day (Swedish time), stored in UTC.
    expires_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    last_used_dt: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_dt: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    organisation: Mapped[Organisation] = relationship()

    @property
    def expires_on(self) -> date:
        """The last day it is valid, as a Swedish date (what the form asked for)."""
        from portal.clock import swedish_day

        return swedish_day(self.expires_dt - timedelta(seconds=1))

    def state(self, now: datetime | None = None) -> str:
        """"active", "revoked" or "expired"."""
        if self.revoked_dt is not None:
            return "revoked"
        if self.expires_dt <= (now or utcnow()):
            return "expired"
        return "active"


STATE_LABELS = {"active": _l("Gäller"), "revoked": _l("Återkallad"), "expired": _l("Har gått ut")}


@dataclass
class Issued:
    """A token just made, with its secret: shown once, then only its hash remains."""

    token: ApiToken
    secret: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse(presented: str) -> tuple[int, str] | None:
    """(id, secret) of a presented `dua_<id>_<secret>`, or None when it cannot be one."""
    if not presented.startswith(PREFIX):
        return None
    number, _sep, secret = presented[len(PREFIX):].partition("_")
    if not (number.isascii() and number.isdigit() and len(number) < 10 and secret and len(secret) <= 100):
        return None
    return int(number), secret


def find(presented: str) -> ApiToken | None:
    """The token a presented key names when its secret matches (in constant time), else None."""
    parsed = parse(presented)
    if parsed is None:
        return None
    token = db.session.get(ApiToken, parsed[0])
    if token is None or not hmac.compare_digest(token.secret_hash, hash_secret(parsed[1])):
        return None
    return token


def touch(token: ApiToken) -> None:
    """Record that the token was used now (at most once a minute)."""
    now = utcnow()
    if token.last_used_dt is None or now - token.last_used_dt >= LAST_USED_EVERY:
        token.last_used_dt = now


# --- Who may make which token --------------------------------------------------------------------------------


def can_manage_system_tokens(user, organisation_id: int) -> bool:
    """An org admin makes and revokes the system tokens (and revokes any token) of their own organisation."""
    return has(user, "api.token.manage") and user.organisation_id == organisation_id


def can_revoke(user, token: ApiToken) -> bool:
    return token.user_id == user.id and token.kind == "personal" or can_manage_system_tokens(
        user, token.organisation_id)


def personal_scopes(user) -> list[str]:
    """What a personal token may be given: what the user's roles grant (no token grants itself more)."""
    return sorted(p for p in permissions_of(user) if p != "api.token.manage")


def _checked(name: str, scopes, expires_on, allowed: frozenset[str] | list[str]) -> tuple[str, list[str], datetime]:
    problems: list = []
    name = clean_line(name or "").strip()
    if not name:
        problems.append(("name", _l("Ge nyckeln ett namn som säger vad den används till.")))
    elif len(name) > 100:
        problems.append(("name", _l("Namnet får vara högst 100 tecken.")))
    chosen = sorted({s for s in (scopes or []) if isinstance(s, str)})
    if not chosen:
        problems.append(("scopes", _l("Välj minst en behörighet för nyckeln.")))
    elif any(s not in PERMISSIONS or s not in allowed for s in chosen):
        problems.append(("scopes", _l("Välj bland de behörigheter som nyckeln får ha.")))
    on = today()
    if not isinstance(expires_on, date):
        problems.append(("expires_on", _l("Ange till och med vilken dag nyckeln gäller.")))
    elif expires_on < on or expires_on > on + timedelta(days=MAX_DAYS):
        problems.append(("expires_on", _l("Nyckeln kan gälla från i dag och högst %(n)s dagar framåt.", n=MAX_DAYS)))
    if problems:
        raise TokenError(problems[0][1], field=problems[0][0], errors=problems)
    from zoneinfo import ZoneInfo

    end = datetime.combine(expires_on + timedelta(days=1), time(0), ZoneInfo("Europe/Stockholm")).astimezone(UTC)
    return name, chosen, end


def _issue(*, kind: str, name: str, scopes: list[str], expires: datetime, user: User, by) -> Issued:
    secret = secrets.token_urlsafe(32)
    token = ApiToken(kind=kind, name=name, organisation_id=user.organisation_id, user_id=user.id, scopes=scopes,
                     secret_hash=hash_secret(secret), created_by_id=by.id if by is not None else None,
                     expires_dt=expires)
    db.session.add(token)
    db.session.flush()
    audit.record("api.token.create", by=by, obj=token, details={"kind": kind, "scopes": scopes})
    return Issued(token, f"{PREFIX}{token.id}_{secret}")


def create_personal(*, by, name: str, scopes, expires_on) -> Issued:
    """A personal token of `by`: it acts as them, and only within what their roles grant."""
    name, chosen, end = _checked(name, scopes, expires_on, personal_scopes(by))
    return _issue(kind="personal", name=name, scopes=chosen, expires=end, user=by, by=by)


def create_system(organisation: Organisation, *, by, name: str, scopes, expires_on) -> Issued:
    """A system token of the organisation: it acts as a service user of its own, named for the token, whose
    roles carry the scopes (so every operation has a `by=` and the gate a viewer, as for staff)."""
    from portal.auth import operations as accounts

    if by is not None:
        check(can_manage_system_tokens(by, organisation.id), "api:token-manage", obj=organisation)
    name, chosen, end = _checked(name, scopes, expires_on, SYSTEM_SCOPES)
    roles = [r for r in SERVICE_ROLES if ROLE_PERMISSIONS[r] & set(chosen)]
    service = accounts.create_user(
        # Nobody knows its password, and no e-legitimation provider can vouch for an address under .example.
        email=f"api-{secrets.token_hex(8)}.{organisation.code}@tjanstekonto.example"[:254],
        name=str(_l("API: %(name)s", name=name))[:200], organisation=organisation, roles=roles,
        password=secrets.token_urlsafe(32), by=by, check_password_rules=False)
    return _issue(kind="system", name=name, scopes=chosen, expires=end, user=service, by=by)


def revoke(token: ApiToken, *, by) -> ApiToken:
    """Revoke at once; a system token's service user is deactivated with it. Revoking twice changes nothing."""
    if by is not None:
        check(can_revoke(by, token), "api:token-revoke", obj=token)
    if token.revoked_dt is not None:
        return token
    token.revoked_dt, token.revoked_by_id = utcnow(), by.id if by is not None else None
    if token.kind == "system":
        token.user.is_active_account = False
        token.user.session_version += 1
    db.session.flush()
    audit.record("api.token.revoke", by=by, obj=token, details={"kind": token.kind})
    return token


def tokens_of_user(user) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.kind == "personal")
                                   .order_by(ApiToken.created_dt.desc(), ApiToken.id.desc())))


def tokens_of_organisation(organisation_id: int) -> list[ApiToken]:
    """Every token of the organisation (system and personal), newest first, for its org admin."""
    return list(db.session.scalars(select(ApiToken).where(ApiToken.organisation_id == organisation_id)
                                   .order_by(ApiToken.created_dt.desc(), ApiToken.id.desc())))
