"""The referrals' part of `flask seed-scale`."""
from __future__ import annotations


def seed_referrals(ctx) -> None:
    return None
