"""Plain helpers for the agreement tests."""
from __future__ import annotations


def url(agreement, number=None, tail=""):
    """The path of an agreement, or of one of its revisions, with `tail` added."""
    base = f"/overenskommelser/{agreement.id}"
    if number is not None:
        base += f"/revisioner/{number}"
    return base + tail
