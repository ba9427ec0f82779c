"""Staff accounts: users, their roles, their two-factor recovery codes and their e-legitimation identities."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import UTCDateTime, db, utcnow
from portal.orgs import Organisation


class User(UserMixin, db.Model):
    """A member of staff (handläggare, samordnare, ...) who belongs to exactly one organisation."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Login name, stored lower-case.
    email: Mapped[str] = mapped_column(String(254), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    #: argon2 hash; never the password.
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    #: Deactivated users cannot log in and their open sessions end at once.
    is_active_account: Mapped[bool] = mapped_column("is_active", nullable=False, default=True)
    #: Bumped on deactivation and password change; a session carrying an older value is void.
    session_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    #: Base32 TOTP secret once enrolment has started; enabled only after a correct code.
    totp_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    is_totp_enabled: Mapped[bool] = mapped_column(nullable=False, default=False)
    #: Last accepted TOTP time-step, so a code cannot be used twice.
    totp_last_counter: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: Preferred UI language (sv/en).
    locale: Mapped[str] = mapped_column(String(5), nullable=False, default="sv")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_login_dt: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    password_changed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login asks this
        return bool(self.is_active_account)

    @property
    def role_names(self) -> list[str]:
        return sorted(r.role for r in self.roles)

    def get_id(self) -> str:
        # The session version travels in the login cookie; see portal.auth.load_user.
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:  # pragma: no cover
        return f"<User {self.email}>"


class UserRole(db.Model):
    """One role held by one user."""

    __tablename__ = "user_roles"
    __table_args__ = (
        UniqueConstraint("user_id", "role", name="uq_user_roles_user_role"),
        CheckConstraint(
            "role IN ('handlaggare','samordnare','styrgrupp','org_admin','system_admin')", name="role_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    role: Mapped[str] = mapped_column(String(30), nullable=False)

    user: Mapped[User] = relationship(back_populates="roles")


class RecoveryCode(db.Model):
    """A one-time recovery code for when the authenticator app is lost; stored hashed."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    code_hash: Mapped[str] = mapped_column(Text, nullable=False)
    used_dt: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class UserIdentity(db.Model):
    """The subject an OIDC provider gave a user, stored at their first sign-in: later sign-ins match by it alone."""

    __tablename__ = "user_identities"
    __table_args__ = (UniqueConstraint("provider", "subject", name="uq_user_identities_provider_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The provider's name in the OIDC configuration (instance/oidc.toml or OIDC_PROVIDERS).
    provider: Mapped[str] = mapped_column(String(60), nullable=False)
    #: The ID token's `sub`: stable and never reassigned by the provider, unlike an e-mail address.
    subject: Mapped[str] = mapped_column(String(255), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_used_dt: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship(lazy="joined")


class ProviderUserCreation(db.Model):
    """An org admin's permission for one provider to create accounts in their organisation at first sign-in."""

    __tablename__ = "oidc_user_creation"
    __table_args__ = (UniqueConstraint("organisation_id", "provider", name="uq_oidc_user_creation_org_provider"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"),
                                                 nullable=False, index=True)
    provider: Mapped[str] = mapped_column(String(60), nullable=False)
    allowed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
