"""Who hears of a referral, in the portal and by e-mail: a reference, a type and organisations — never a person.

A new referral goes to the receiving organisation's handlers; each later step and comment to the user who sent
it, the assignee and the receiver's handlers; an overdue one to the same. A notice is read on shared screens and
a mail carries only `M-<id>` and a link, so none names or numbers the young person.
"""
from __future__ import annotations

from portal import notifications
from portal.notifications import N_
from portal.people.consent_notices import notice_key
from referrals.models import Referral

HANDLERS = "referral.handle"

_STEP_MESSAGES = {
    "receive": N_("Remiss %(ref)s (%(type)s) har tagits emot av %(to)s."),
    "accept": N_("Remiss %(ref)s (%(type)s) har accepterats av %(to)s."),
    "decline": N_("Remiss %(ref)s (%(type)s) har avböjts av %(to)s."),
    "close": N_("Remiss %(ref)s (%(type)s) har avslutats av %(to)s."),
    "withdraw": N_("Remiss %(ref)s (%(type)s) har tagits tillbaka av %(from)s."),
    "continue": N_("Remiss %(ref)s (%(type)s) bygger nu på ett nytt samtycke."),
    "name": N_("Den anonyma konsultationen %(ref)s är nu en remiss med namn (%(type)s)."),
    "comment": N_("Ny kommentar i remiss %(ref)s (%(type)s)."),
}


def _params(referral: Referral) -> dict:
    from referrals.workflow import TYPES

    return {"ref": referral.reference, "type": str(TYPES[referral.type].label).lower(),
            "from": referral.from_org.name, "to": referral.to_org.name}


def url_of(referral: Referral) -> str:
    return f"/remisser/{referral.id}"


def tell_submitted(referral: Referral) -> None:
    notifications.notify_organisation(
        referral.to_org_id, N_("Ny remiss %(ref)s (%(type)s) från %(from)s."), params=_params(referral),
        url=url_of(referral), permission=HANDLERS, key=f"referral-{referral.id}-submit", mail=True)


def _tell_concerned(referral: Referral, message: str, key: str, *, by) -> None:
    """The sender (the user who sent it), the assignee and the receiver's handlers; not whoever acted."""
    acting = by.id if by is not None else None
    people = {referral.created_by_id, referral.assignee_id} - {None, acting}
    for user_id in sorted(people):
        notifications.notify_user(user_id, message, params=_params(referral), url=url_of(referral),
                                  key=f"{key}-user-{user_id}", mail=True)
    notifications.notify_organisation(referral.to_org_id, message, params=_params(referral), url=url_of(referral),
                                      permission=HANDLERS, key=f"{key}-org", mail=True,
                                      not_mailed=frozenset(people | {acting} - {None}))


def tell_step(referral: Referral, action: str, *, by) -> None:
    _tell_concerned(referral, _STEP_MESSAGES[action], f"referral-{referral.id}-{action}-{len(referral.events)}",
                    by=by)


def tell_comment(referral: Referral, comment, *, by) -> None:
    # Keyed by the comment itself: two comments written at the same moment are two notices, never one key twice.
    _tell_concerned(referral, _STEP_MESSAGES["comment"], f"referral-{referral.id}-comment-{comment.id}", by=by)


def tell_assigned(referral: Referral, assignee) -> None:
    notifications.notify_user(
        assignee.id, N_("Du har fått remiss %(ref)s (%(type)s) från %(from)s att handlägga."),
        params=_params(referral), url=url_of(referral),
        key=f"referral-{referral.id}-assigned-{assignee.id}-{len(referral.events)}", mail=True)


def tell_overdue(referral: Referral) -> bool:
    """Once per referral: its response time has run out. True when the notice was new."""
    message = N_("Remiss %(ref)s (%(type)s) från %(from)s har passerat svarstiden (%(due)s).")
    params = {**_params(referral), "due": referral.due_on.isoformat()}
    told = notifications.notify_organisation(
        referral.to_org_id, message, params=params, url=url_of(referral), permission=HANDLERS,
        key=f"referral-{referral.id}-overdue-{referral.due_on.isoformat()}", mail=True)
    for user_id in sorted({referral.created_by_id, referral.assignee_id} - {None}):
        notifications.notify_user(user_id, message, params=params, url=url_of(referral),
                                  key=f"referral-{referral.id}-overdue-{referral.due_on.isoformat()}-{user_id}",
                                  mail=True)
    return told is not None


def tell_consent_lost(consent, referrals: list[Referral], event: str) -> None:
    """One notice per organisation per event, under the consent notice's own key (so the consent's notice of the
    same event adds nothing): it names the referrals that can now only be closed or continued with a new consent."""
    by_org: dict[int, list[str]] = {}
    for referral in referrals:
        for org_id in referral.org_ids():
            by_org.setdefault(org_id, []).append(referral.reference)
    for org_id, refs in sorted(by_org.items()):
        notifications.notify_organisation(
            org_id,
            N_("Samtycket för Deltagare %(p)s gäller inte längre. Remiss %(refs)s kan bara avslutas eller fortsätta "
               "med ett nytt samtycke; mottagaren ser inte längre avsändarens uppgifter i den."),
            params={"p": consent.person.pseudonym, "refs": ", ".join(sorted(refs))}, url="/remisser",
            key=notice_key(event, consent.id, org_id), permission=HANDLERS, mail=True)
