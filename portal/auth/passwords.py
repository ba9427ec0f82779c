"""Password hashing (argon2) and the password rules staff passwords must meet."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 12
MAX_LENGTH = 128
_COMMON = {"password1234", "lösenord1234", "losenord1234", "123456789012", "qwertyuiopå", "sommar2026!!"}

_strong = PasswordHasher()
# Cheap parameters for the test suite only (PASSWORD_HASH_FAST); never used in production.
_fast = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _hasher() -> PasswordHasher:
    if has_app_context() and current_app.config.get("PASSWORD_HASH_FAST"):
        return _fast
    return _strong


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if the password matches; also spends the same time when there is no user to compare."""
    if not password_hash:
        try:
            _hasher().verify(_dummy_hash(), password)
        except (VerificationError, InvalidHashError):
            pass
        return False
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_dummy_cache: dict[int, str] = {}


def _dummy_hash() -> str:
    key = id(_hasher())
    if key not in _dummy_cache:
        _dummy_cache[key] = _hasher().hash("no such user, equal timing")
    return _dummy_cache[key]


def password_problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """The rules a new password breaks, as Swedish sentences (empty when it is acceptable)."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(str(_l("Lösenordet måste ha minst %(n)d tecken.", n=MIN_LENGTH)))
    if len(password) > MAX_LENGTH:
        problems.append(str(_l("Lösenordet får ha högst %(n)d tecken.", n=MAX_LENGTH)))
    if len(set(password)) < 5:
        problems.append(str(_l("Lösenordet måste innehålla minst fem olika tecken.")))
    lowered = password.lower()
    local = email.split("@")[0].lower()
    if (local and len(local) >= 3 and local in lowered) or lowered in _COMMON:
        problems.append(str(_l("Lösenordet är för lätt att gissa. Använd inte din e-postadress eller vanliga ord.")))
    if name and any(len(part) >= 3 and part.lower() in lowered for part in name.split()):
        problems.append(str(_l("Lösenordet får inte innehålla ditt namn.")))
    return problems
