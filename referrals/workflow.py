"""The referral's types (each carrying its legal basis) and THE transition table the code and the tests both read."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from referrals.models import OUTCOMES, STATES, TYPE_KEYS, URGENCIES


@dataclass(frozen=True)
class ReferralType:
    key: str
    label: object
    #: "consent" (a valid consent with the purpose remiss covers both organisations), "duty" (a duty to inform in
    #: law: no consent, the receiver sees the person while it holds the matter) or "none" (an anonymised
    #: consultation: no person, no attachments, no identifiers in the text).
    basis: str
    #: For a duty: the law, shown on the form, the referral and the person page.
    law: object = ""
    #: Organisation kinds the type may be sent to (empty: any); a unit counts as its own kind.
    to_kinds: tuple[str, ...] = ()
    #: Organisation kinds that may send it (empty: any).
    from_kinds: tuple[str, ...] = ()
    hint: object = ""


TYPES: dict[str, ReferralType] = {t.key: t for t in (
    ReferralType("overlamning", _l("Överlämning"), "consent",
                 hint=_l("Den unge går över till en annan aktör, t.ex. från skolan till kommunens "
                         "aktivitetsansvar.")),
    ReferralType("insats", _l("Anvisning till insats"), "consent",
                 hint=_l("Arbetsförmedlingen eller kommunen anvisar den unge till en insats hos mottagaren "
                         "(steg 1 i rutinerna i överenskommelsens bilaga 1).")),
    ReferralType("stod", _l("Begäran om stöd"), "consent",
                 hint=_l("Mottagaren ombeds ge stöd i ett ärende, t.ex. socialtjänsten på begäran av "
                         "KAA-samordnaren.")),
    ReferralType("studieavbrott", _l("Anmälan om studieavbrott"), "duty",
                 law=_l("Skollagen 15 kap. 15 § och 29 kap. 9 §"), from_kinds=("skola",), to_kinds=("kommun",),
                 hint=_l("Skolans anmälan till hemkommunen när en elev avbryter sina studier. Kräver inget "
                         "samtycke.")),
    ReferralType("orosanmalan", _l("Orosanmälan"), "duty", law=_l("Socialtjänstlagen 14 kap. 1 §"),
                 to_kinds=("socialtjanst",),
                 hint=_l("Anmälan till socialtjänsten om oro för en ung person under 18 år. Kräver inget "
                         "samtycke och kan inte avböjas.")),
    ReferralType("konsultation", _l("Anonym konsultation"), "none",
                 hint=_l("Rådfråga en annan aktör utan att nämna vem det gäller: ingen person, inga bilagor och "
                         "inga personnummer, e-postadresser eller telefonnummer i texten.")),
)}
assert tuple(TYPES) == TYPE_KEYS

STATE_LABELS: dict[str, object] = {
    "draft": _l("Utkast"),
    "submitted": _l("Skickad"),
    "received": _l("Mottagen"),
    "accepted": _l("Accepterad"),
    "declined": _l("Avböjd"),
    "closed": _l("Avslutad"),
    "withdrawn": _l("Återtagen"),
}
assert tuple(STATE_LABELS) == STATES

URGENCY_LABELS: dict[str, object] = {
    "normal": _l("Normal"),
    "skyndsam": _l("Skyndsam"),
    "akut": _l("Akut"),
}
assert tuple(URGENCY_LABELS) == URGENCIES

OUTCOME_LABELS: dict[str, object] = {
    "studier": _l("Studier"),
    "arbete": _l("Arbete"),
    "praktik": _l("Praktik"),
    "annan_insats": _l("Annan insats"),
    "avbojt": _l("Avböjt"),
    "flyttat": _l("Flyttat"),
    "annat": _l("Annat"),
}
assert tuple(OUTCOME_LABELS) == OUTCOMES

#: States in which the receiver still has to answer (accept or decline): the response time runs.
AWAITING = ("submitted", "received")
#: States in which the referral is the receiver's open matter.
OPEN = ("submitted", "received", "accepted")
#: States after which nothing more happens.
ENDED = ("declined", "closed", "withdrawn")


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    #: Which side acts: "sender" (a user of the sending organisation with referral.send) or "receiver" (of the
    #: receiving organisation with referral.handle).
    side: str
    label: object
    #: What the acting user must give: "" or "reason" (declining) or "outcome" (closing).
    needs: str = ""
    #: Types it does not apply to.
    not_for: tuple[str, ...] = ()
    #: Types it applies to only (empty: every type not excluded).
    only_for: tuple[str, ...] = ()


#: THE table. An action not listed for a (state, type) is refused, whoever asks.
TRANSITIONS: tuple[Transition, ...] = (
    Transition("submit", ("draft",), "submitted", "sender", _l("Skicka")),
    Transition("discard", ("draft",), "withdrawn", "sender", _l("Ta bort utkastet")),
    Transition("receive", ("submitted",), "received", "receiver", _l("Ta emot")),
    # An orosanmälan cannot be taken back once it is made (social services must look into it).
    Transition("withdraw", ("submitted", "received"), "withdrawn", "sender", _l("Ta tillbaka"),
               not_for=("orosanmalan",)),
    Transition("accept", ("received",), "accepted", "receiver", _l("Acceptera"), not_for=("orosanmalan",)),
    Transition("decline", ("received",), "declined", "receiver", _l("Avböj"), needs="reason",
               not_for=("orosanmalan",)),
    # An orosanmälan is only received and closed (SoL 14 kap. 1 §: social services must take it up).
    Transition("close", ("received",), "closed", "receiver", _l("Avsluta"), needs="outcome",
               only_for=("orosanmalan",)),
    Transition("close", ("accepted",), "closed", "receiver", _l("Avsluta"), needs="outcome",
               not_for=("orosanmalan",)),
)


def transition(action: str, state: str, type_key: str) -> Transition | None:
    """The transition `action` from `state` for a referral of `type_key`, or None when the table forbids it."""
    for row in TRANSITIONS:
        if row.action == action and state in row.sources and type_key not in row.not_for and (
                not row.only_for or type_key in row.only_for):
            return row
    return None


def actions_from(state: str, type_key: str) -> list[Transition]:
    """Every transition the table allows from this state for this type (the page shows those the user may do)."""
    return [row for row in TRANSITIONS if state in row.sources and type_key not in row.not_for
            and (not row.only_for or type_key in row.only_for)]


ACTION_LABELS: dict[str, object] = {
    "submit": _l("Skickad"),
    "discard": _l("Utkastet togs bort"),
    "receive": _l("Mottagen"),
    "withdraw": _l("Tagen tillbaka av avsändaren"),
    "accept": _l("Accepterad"),
    "decline": _l("Avböjd"),
    "close": _l("Avslutad"),
    "assign": _l("Handläggare tilldelad"),
    "consent_lost": _l("Samtycket gäller inte längre"),
    "continue": _l("Fortsätter med nytt samtycke"),
    "name": _l("Konsultationen blev en remiss med namn"),
}
