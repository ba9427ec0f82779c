"""The minors policy: who must give a consent for a young person of a given age (set in the portal's settings)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l

from portal.errors import RuleError


class ConsentError(RuleError):
    """A consent rule was broken; `field` names the form field the message belongs beside."""


@dataclass(frozen=True)
class MinorsPolicy:
    """Local policy (OSL rests on the young person's maturity, not fixed ages); set in the portal's settings."""

    #: Under this age a guardian must consent and the young person's own view is recorded.
    guardian_required_under: int = 15
    #: From guardian_required_under up to this age the person may consent alone with a maturity assessment.
    adult_age: int = 18
    #: Require both guardians (joint custody) where a guardian's consent is required.
    both_guardians: bool = False


def minors_policy() -> MinorsPolicy:
    cfg = current_app.config if has_app_context() else {}
    return MinorsPolicy(
        guardian_required_under=int(cfg.get("CONSENT_GUARDIAN_REQUIRED_UNDER", 15)),
        adult_age=int(cfg.get("CONSENT_ADULT_AGE", 18)),
        both_guardians=bool(cfg.get("CONSENT_BOTH_GUARDIANS", False)),
    )


def check_minors_policy(*, age: int, given_by_person: bool, guardian_names: list[str], person_view: str,
                        maturity_assessment: str, policy: MinorsPolicy | None = None) -> None:
    """Raise ConsentError (beside the field to fix) unless the right people gave the consent for this age."""
    policy = policy or minors_policy()
    guardians = [g for g in guardian_names if g.strip()]
    needed = 2 if policy.both_guardians else 1
    if age >= policy.adult_age:
        if not given_by_person:
            raise ConsentError(_l("Personen är myndig och måste själv lämna sitt samtycke."),
                               field="given_by_person")
        return
    if age < policy.guardian_required_under:
        if len(guardians) < needed:
            raise ConsentError(
                _l("Personen är under %(age)s år: vårdnadshavares samtycke krävs. Ange vårdnadshavarens namn.",
                   age=policy.guardian_required_under) if needed == 1 else
                _l("Personen är under %(age)s år: båda vårdnadshavarnas samtycke krävs.",
                   age=policy.guardian_required_under),
                field="guardian_1")
        if not person_view.strip():
            raise ConsentError(_l("Anteckna den unges egen inställning till samtycket."), field="person_view")
        return
    # Between the ages: own consent suffices with a maturity assessment, otherwise a guardian's as well.
    if given_by_person and maturity_assessment.strip():
        return
    if len(guardians) < needed:
        if given_by_person:
            # The young person consents alone: what is missing is the assessment of their maturity.
            raise ConsentError(
                _l("Personen är under %(age)s år: anteckna en mognadsbedömning, eller ange vårdnadshavares "
                   "samtycke.", age=policy.adult_age), field="maturity_assessment")
        raise ConsentError(_l("Ange vårdnadshavarens namn."), field="guardian_1")
    if not given_by_person and not person_view.strip():
        raise ConsentError(_l("Anteckna den unges egen inställning till samtycket."), field="person_view")
