"""Importing a .docx into a draft safely: a preview of where each part goes, written only once the user confirms.

The preview keeps the upload (revision_files.PendingImport) under a random token the confirm form carries; the
confirm writes through draft_operations.import_document, which records the one audit event of the import.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from agreements import draft_operations, importer, rules
from agreements.models import Revision
from agreements.operations import AgreementError, long_text, one_line, require_draft
from agreements.revision_files import PendingImport
from portal.db import db, utcnow
from portal.forms import safe_filename
from portal.permissions import check_by

#: How long a preview waits for its confirmation.
PENDING_FOR = timedelta(hours=2)


@dataclass(frozen=True)
class PlannedPart:
    """Where one part of the document goes: the section it fills (or a new one) and whether its text changes."""

    title: str
    target: str | None
    changes: bool
    paragraphs: int


@dataclass
class Preview:
    result: importer.ImportResult
    parts: list[PlannedPart]
    token: str | None

    @property
    def changes_anything(self) -> bool:
        return any(part.changes for part in self.parts)


def plan(revision: Revision, result: importer.ImportResult) -> list[PlannedPart]:
    """Which section of the draft each imported section fills, matched as the import will match it."""
    by_key = {s.key: s for s in revision.sections}
    by_title = {s.title.strip().lower(): s for s in revision.sections}
    parts = []
    for item in result.sections:
        title = one_line(item.title)
        section = (by_key.get(item.key) if item.key else None) or by_title.get(title.lower())
        body = long_text(item.body)
        parts.append(PlannedPart(title=title, target=section.title if section else None,
                                 changes=section is None or section.body != body,
                                 paragraphs=len([line for line in body.splitlines() if line.strip()])))
    return parts


def preview_import(revision: Revision, *, data: bytes, filename: str, by) -> Preview:
    """Read the upload and say where each part would go; keep it for the confirmation when it changes anything."""
    check_by(by, rules.can_revise, revision.agreement, "agreement:revise")
    require_draft(revision)
    result = importer.read(data, filename, importer.Limits.from_config(current_app.config))
    preview = Preview(result=result, parts=plan(revision, result), token=None)
    if preview.changes_anything and by is not None:
        db.session.execute(delete(PendingImport).where(PendingImport.created_dt < utcnow() - PENDING_FOR))
        preview.token = secrets.token_urlsafe(32)
        db.session.add(PendingImport(token=preview.token, revision_id=revision.id, user_id=by.id,
                                     filename=safe_filename(filename, "overenskommelse.docx"), data=data,
                                     revision_version=revision.version))
        db.session.flush()
    return preview


def confirm_import(revision: Revision, *, token: str, by) -> importer.ImportResult:
    """Write the previewed import into the draft; refused when the preview is gone or the draft changed since."""
    check_by(by, rules.can_revise, revision.agreement, "agreement:revise")
    require_draft(revision)
    pending = db.session.scalar(select(PendingImport).where(
        PendingImport.token == (token or ""), PendingImport.revision_id == revision.id,
        PendingImport.user_id == (by.id if by is not None else None),
        PendingImport.created_dt >= utcnow() - PENDING_FOR))
    if pending is None:
        raise AgreementError(_l("Förhandsgranskningen finns inte längre (den är redan inläst eller för gammal). "
                                "Läs in filen igen."), field="document")
    if pending.revision_version != revision.version:
        db.session.delete(pending)
        raise AgreementError(_l("Utkastet har ändrats sedan förhandsgranskningen. Läs in filen igen och granska "
                                "ändringarna på nytt."), field="document")
    data, filename = pending.data, pending.filename
    db.session.delete(pending)
    return draft_operations.import_document(revision, data=data, filename=filename, by=by)
