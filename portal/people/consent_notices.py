"""Who hears of a change to a consent: one notice per organisation that loses or gains sight, by pseudonym only."""
from __future__ import annotations

from portal import notifications
from portal.notifications import N_
from portal.people.models import Consent

#: Who may act on a consent notice: those who register and withdraw consents.
PERMISSION = "consent.register"


def notice_key(event: str, consent_id: int, organisation_id: int) -> str:
    """The one key of an event's notice to one organisation. An area reacting to the same event (a hook of
    `on_consent_withdrawn`) passes this key too, so the organisation still gets one notice, not two."""
    return f"consent-{event}-{consent_id}-{organisation_id}"


def tell_withdrawn(consent: Consent, *, not_mailed: frozenset[int] = frozenset()) -> None:
    """Every organisation the consent named loses sight of the others' records through it: each is told once
    (the withdrawing one too, so its colleagues know). The pseudonym, never the name: notices are read on
    shared screens, and e-mail carries only a reference."""
    for org_id in sorted(consent.organisation_ids):
        notifications.notify_organisation(
            org_id,
            N_("Ett samtycke för Deltagare %(p)s har återkallats. Uppgifter delas inte längre med stöd av det."),
            params={"p": consent.person.pseudonym}, url=f"/deltagare/{consent.person.ref}/samtycken",
            key=notice_key("withdrawn", consent.id, org_id), permission=PERMISSION, mail=True,
            not_mailed=not_mailed)


def tell_dropped(old: Consent, new: Consent) -> None:
    """A new version of a consent that no longer names an organisation: it loses sight and is told. (Those the
    new version names are asked to confirm it, which is their one notice of the change.)"""
    for org_id in sorted(old.organisation_ids - new.organisation_ids):
        notifications.notify_organisation(
            org_id,
            N_("Samtycket för Deltagare %(p)s har ändrats och omfattar inte längre er organisation. "
               "Uppgifter delas inte längre med er med stöd av det."),
            params={"p": new.person.pseudonym}, url=f"/deltagare/{new.person.ref}/samtycken",
            key=notice_key("dropped", new.id, org_id), permission=PERMISSION, mail=True)
