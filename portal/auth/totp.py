"""Two-factor login: TOTP codes (pyotp), the enrolment QR code (segno) and recovery codes."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
import segno
from flask_babel import gettext

from portal.db import utcnow

ISSUER = "DUA-portalen"
RECOVERY_CODE_COUNT = 10


def new_secret() -> str:
    return pyotp.random_base32()


def derived_secret(key: str, user_id: int, nonce: str) -> str:
    """The secret offered during enrolment, derived from the app's key and a random nonce: the session then
    carries only the nonce, which is worthless to whoever reads the (signed, not encrypted) cookie."""
    digest = hmac.new(key.encode(), f"totp-enrolment:{user_id}:{nonce}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:20]).decode()


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """An inline SVG of the QR code, drawn by the app (no external service ever sees the secret)."""
    return segno.make(uri, error="m").svg_inline(scale=5, border=2, dark="#000", light="#fff",
                                                 title=gettext("QR-kod för autentiseringsappen"))


def is_totp_shaped(code: str) -> bool:
    """Six ASCII digits (str.isdigit alone accepts e.g. Arabic-Indic digits, which compare_digest rejects)."""
    return len(code) == 6 and code.isascii() and code.isdigit()


def matching_counter(secret: str, code: str, last_counter: int | None, at: datetime | None = None) -> int | None:
    """The time-step the code belongs to (±1 step for clock drift), or None; a used step is refused."""
    code = (code or "").strip().replace(" ", "")
    if not is_totp_shaped(code):
        return None
    totp = pyotp.TOTP(secret)
    now = at or utcnow()
    current = totp.timecode(now)
    for counter in (current, current - 1, current + 1):
        if last_counter is not None and counter <= last_counter:
            continue
        if secrets.compare_digest(totp.generate_otp(counter), code):
            return counter
    return None


def new_recovery_codes() -> list[str]:
    """Ten codes like "k7qf-2m9x-p4rt": high entropy, so a fast hash is enough."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(alphabet) for _ in range(12))
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
    return codes


def hash_recovery_code(code: str) -> str:
    normalised = code.strip().lower().replace(" ", "").replace("-", "")
    return hashlib.sha256(normalised.encode()).hexdigest()
