"""Cursor pagination for every API list: `limit` (1–100) and an opaque `cursor`, answered with `next_cursor`."""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from portal.api.errors import ApiError
from portal.api.schemas import Strict
from portal.db import db

MAX_LIMIT = 100
DEFAULT_LIMIT = 25


class PageArgs(Strict):
    """The query arguments every list takes."""

    limit = fields.Integer(load_default=DEFAULT_LIMIT, validate=validate.Range(min=1, max=MAX_LIMIT),
                           metadata={"description": "Hur många poster sidan högst har (1–100)."})
    cursor = fields.String(load_default=None, validate=validate.Length(max=200),
                           metadata={"description": "next_cursor från föregående sida; utelämnas för första sidan."})


def encode(position: int) -> str:
    """The cursor after the row with this id (opaque to the caller: it may change shape)."""
    return base64.urlsafe_b64encode(json.dumps({"after": position}).encode()).decode().rstrip("=")


def decode(cursor: str | None) -> int | None:
    """The id a cursor continues after; a cursor this API did not make is a 400 beside the field."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw)["after"]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        value = None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**31:
        raise ApiError(400, "invalid_cursor", _l("Markören (cursor) känns inte igen. Börja om från första sidan."),
                       fields={"cursor": [str(_l("Ogiltig markör."))]})
    return value


@dataclass
class Page:
    items: list
    next_cursor: str | None


def page(stmt, id_column, args: dict, *, newest_first: bool = True) -> Page:
    """One page of `stmt` in id order (newest first by default): `limit` rows after the cursor, plus one to know
    whether another page follows. Keyset paging: a row added meanwhile never shifts the next page."""
    after = decode(args.get("cursor"))
    limit = args.get("limit") or DEFAULT_LIMIT
    if after is not None:
        stmt = stmt.where(id_column < after if newest_first else id_column > after)
    order = id_column.desc() if newest_first else id_column.asc()
    rows = list(db.session.scalars(stmt.order_by(order).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, encode(rows[-1].id) if more and rows else None)


def page_of_list(items: list, args: dict) -> Page:
    """The same paging over a short list already loaded in id order (an organisation's series, its agreements)."""
    after = decode(args.get("cursor"))
    limit = args.get("limit") or DEFAULT_LIMIT
    rest = [i for i in items if after is None or i.id > after]
    chosen = rest[:limit]
    return Page(chosen, encode(chosen[-1].id) if len(rest) > limit else None)
