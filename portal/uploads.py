"""Files people upload (referral and agenda attachments): the type read from the content, the size, a safe name."""
from __future__ import annotations

import io
import zipfile

from flask_babel import lazy_gettext as _l

from portal.errors import RuleError
from portal.forms import safe_filename

MAX_BYTES = 10 * 1024 * 1024
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: (signature, content type, extension). The name proves nothing: the first bytes decide.
SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)


def is_docx(data: bytes) -> bool:
    """A .docx is a zip with a Word main part; any other zip (or a renamed executable) is not one, nor is a
    macro-enabled document (.docm renamed): the receiver would open it in Word."""
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
    return ("[Content_Types].xml" in names and "word/document.xml" in names
            and not any(name.lower().endswith("vbaproject.bin") for name in names))


def check_document(filename: str, data: bytes, *, field: str, error: type[RuleError] = RuleError,
                   empty_message=None) -> tuple[str, str]:
    """(content type, safe file name) for a PDF, JPEG, PNG or DOCX of at most 10 MB; else `error` on `field`."""
    if len(data) > MAX_BYTES:
        raise error(_l("Filen är för stor. Högst 10 MB per fil."), field=field)
    if not data:
        raise error(empty_message or _l("Filen är tom. Välj filen igen."), field=field)
    stem = safe_filename((filename or "").rsplit(".", 1)[0], "bilaga", max_length=80)
    for signature, content_type, extension in SIGNATURES:
        if data.startswith(signature):
            return content_type, f"{stem}.{extension}"
    if is_docx(data):
        return DOCX, f"{stem}.docx"
    raise error(_l("Filen måste vara en PDF, JPEG, PNG eller Word-fil (.docx)."), field=field)
