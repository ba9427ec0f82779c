"""The referral pages: the inbox, a referral with its timeline and thread, the forms to send and to act."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("referrals", __name__, url_prefix="/remisser")
