"""The referral forms: new referral and draft, the steps (decline with reason, close with outcome), comments."""
from __future__ import annotations
