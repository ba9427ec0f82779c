"""Fixtures for the admin tests: the audit events a request left, read fresh after it committed or rolled back."""
from __future__ import annotations
