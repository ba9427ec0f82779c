"""The audit page's words: each object named in words ("Samtycke för D-9648", "Revision 2 av …") and the details
as readable text instead of JSON. Areas name their own objects through `register_object_namer` in init_app."""
from __future__ import annotations

import json
from collections.abc import Callable

from flask_babel import lazy_gettext as _l

#: object_type → namer(ids) → {id: words}; one call per type and page, so a page costs one query per type.
OBJECT_NAMERS: dict[str, Callable[[list[str]], dict[str, str]]] = {}

#: What a record about a person is called; the person is named by pseudonym, never by name.
PERSON_RECORDS = {
    "Person": _l("Deltagare %(who)s"),
    "PersonLink": _l("Uppgifter om %(who)s"),
    "ContactDetails": _l("Kontaktuppgifter för %(who)s"),
    "Guardian": _l("Vårdnadshavare för %(who)s"),
    "PersonNote": _l("Anteckning om %(who)s"),
    "Consent": _l("Samtycke för %(who)s"),
    "ConsentParty": _l("Samtycke för %(who)s"),
    "ConsentScan": _l("Inskannat samtycke för %(who)s"),
    "Disclosure": _l("Utlämnande om %(who)s"),
    "IdentityCorrection": _l("Begäran om rättelse för %(who)s"),
}

#: The words for keys the operations write into details; a key without words is shown as it is.
DETAIL_WORDS = {
    "number": _l("nummer"), "party": _l("part"), "parties": _l("parter"), "decided_on": _l("beslutsdatum"),
    "adopted_on": _l("antagen"), "signatories": _l("undertecknare"), "filename": _l("fil"),
    "document_sha256": _l("dokumentets kontrollsumma"), "title": _l("titel"), "based_on": _l("bygger på"),
    "agreement": _l("överenskommelse"), "reason": _l("skäl"), "method": _l("metod"), "path": _l("sökväg"),
    "category": _l("kategori"), "filters": _l("sökning"), "page": _l("sida"), "hits": _l("träffar"),
    "roles": _l("roller"), "email": _l("e-post"), "name": _l("namn"), "ok": _l("hel"), "checked": _l("kontrollerade"),
    "sections": _l("avsnitt"), "paragraphs": _l("stycken"), "filled": _l("fyllda"), "added": _l("tillagda"),
    "unplaced": _l("ej placerade"), "bytes": _l("byte"), "date": _l("datum"), "value": _l("värde"),
    "source": _l("källa"), "people": _l("deltagare"),
}


def register_object_namer(object_type: str, namer: Callable[[list[str]], dict[str, str]]) -> None:
    OBJECT_NAMERS[object_type] = namer


def _value(value) -> str:
    if isinstance(value, bool):
        return str(_l("ja") if value else _l("nej"))
    if value is None:
        return "–"
    if isinstance(value, list):
        return ", ".join(_value(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{_word(key)} {_value(item)}" for key, item in value.items())
    return str(value)


def _word(key: str) -> str:
    return str(DETAIL_WORDS.get(key, key.replace("_", " ")))


def details_text(details: str | None) -> str:
    """"{"number": 2, "party": "AF"}" → "nummer: 2 · part: AF" (the people a list showed are named elsewhere)."""
    try:
        values = json.loads(details or "{}")
    except ValueError:
        return details or ""
    if not isinstance(values, dict):
        return _value(values)
    return " · ".join(f"{_word(key)}: {_value(value)}" for key, value in values.items() if key != "people")


def object_names(events, pseudonyms: dict[int, str], organisations: dict[int, str] | None = None) -> dict[int, str]:
    """{event seq: the event's object in words}, for one page of events. `organisations` are the names the page
    loaded already (its "where" column): an event about one of them asks the database no second time."""
    _ground_namers()
    organisations = organisations or {}
    by_type: dict[str, set[str]] = {}
    for event in events:
        if event.object_type == "Organisation" and event.object_id and event.object_id.isdigit() \
                and int(event.object_id) in organisations:
            continue
        if event.object_type and event.object_id and event.object_type in OBJECT_NAMERS:
            by_type.setdefault(event.object_type, set()).add(event.object_id)
    names = {object_type: OBJECT_NAMERS[object_type](sorted(ids)) for object_type, ids in by_type.items()}
    names.setdefault("Organisation", {}).update(
        {str(i): str(_l("Organisationen %(name)s", name=name)) for i, name in organisations.items()})
    result = {}
    for event in events:
        words = names.get(event.object_type, {}).get(event.object_id)
        if words is None and event.object_type in PERSON_RECORDS and event.person_id in pseudonyms:
            words = str(PERSON_RECORDS[event.object_type] % {"who": pseudonyms[event.person_id]})
        if words is None and event.object_type:
            words = f"{event.object_type} {event.object_id or ''}".strip()
        result[event.seq] = words or "–"
    return result


def _ids(ids: list[str]) -> list[int]:
    return [int(i) for i in ids if i.isdigit()]


def _ground_namers() -> None:
    """The ground's own objects: staff accounts and organisations."""
    if "User" in OBJECT_NAMERS:
        return
    from sqlalchemy import select

    from portal.auth.models import User
    from portal.db import db
    from portal.orgs import Organisation

    def users(ids):
        rows = db.session.execute(select(User.id, User.name, User.email).where(User.id.in_(_ids(ids))))
        return {str(i): str(_l("Användaren %(name)s (%(email)s)", name=name, email=email)) for i, name, email in rows}

    def organisations(ids):
        rows = db.session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(_ids(ids))))
        return {str(i): str(_l("Organisationen %(name)s", name=name)) for i, name in rows}

    register_object_namer("User", users)
    register_object_namer("Organisation", organisations)
