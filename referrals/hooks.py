"""What higher areas subscribe to: `on_referral_accepted` (KAA registers a dropout, routines start a run)."""
from __future__ import annotations

from collections.abc import Callable

#: Called with the referral in the accepting transaction, after the step is recorded; a hook that raises stops
#: the acceptance (nothing is saved), so an area can refuse what it cannot take on.
ACCEPTED_HOOKS: list[Callable] = []


def on_referral_accepted(hook: Callable) -> Callable:
    if hook not in ACCEPTED_HOOKS:
        ACCEPTED_HOOKS.append(hook)
    return hook
