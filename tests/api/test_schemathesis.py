"""schemathesis against the generated document, in-process on the WSGI app over the demo data: as a system key of the
kommun and as a caseworker's personal key, valid and invalid input, for API_FUZZ_SECONDS (default 75) in all.

No answer may be a 5xx or disagree with the document (status code, content type, headers, body schema), and every
invalid input must be refused. The counts are printed (`-s`): examples, endpoints, failures.
"""
from __future__ import annotations

import os
import time
from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from portal import demo
from portal.api import tokens
from portal.auth.models import User
from portal.clock import today
from portal.db import db
from portal.orgs import Organisation

SECONDS = float(os.environ.get("API_FUZZ_SECONDS", "75"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


def _keys() -> dict[str, str]:
    """A system key of the kommun with every scope a system may have, and a caseworker's personal key at AMI."""
    kommun = db.session.scalar(select(Organisation).where(Organisation.code == "lekeberg"))
    caseworker = db.session.scalar(select(User).where(User.email == "ami.handlaggare@lekeberg.example"))
    until = today() + timedelta(days=1)
    system = tokens.create_system(kommun, by=None, name="Fuzz", scopes=sorted(tokens.SYSTEM_SCOPES), expires_on=until)
    personal = tokens.create_personal(by=caseworker, name="Fuzz", scopes=tokens.personal_scopes(caseworker),
                                      expires_on=until)
    db.session.commit()
    return {"system": system.secret, "caseworker": personal.secret}


@pytest.fixture
def demo_portal(app):
    demo.seed()
    db.session.commit()


def _describe(exc: BaseException) -> str:
    """The failure's own words, with those of each failure it groups."""
    parts = [f"{type(exc).__name__}: {exc}"] + [f"  - {sub}" for sub in getattr(exc, "exceptions", ())]
    return "\n".join(parts)[:2000]


class _TimeUp(Exception):  # noqa: N818 - says why hypothesis stops
    """Raised inside the test when the operation's share of the time is used: hypothesis stops generating."""


def _fuzz(operation, key: str, mode, budget: float, counts: dict, failures: list) -> None:
    """Examples of one operation until its share of the time is used (no shrinking: every failure is kept)."""
    deadline = time.monotonic() + budget
    checks = CHECKS + ([negative_data_rejection] if mode == GenerationMode.NEGATIVE else [])

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=10_000, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), derandomize=False)
    def run(case):
        if time.monotonic() > deadline:
            raise _TimeUp
        counts["examples"] += 1
        # The document's bearer scheme is a header schemathesis also mutates: such a case goes with its own
        # (broken) Authorization, which must be refused (401); every other case carries the key.
        components = case.meta.components if case.meta is not None else {}
        header = next((info for where, info in components.items() if where.value == "header"), None)
        own_header = header is not None and header.mode == GenerationMode.NEGATIVE
        try:
            response = case.call(headers=None if own_header else {"Authorization": f"Bearer {key}"})
            case.validate_response(response, checks=checks)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # noqa: BLE001 - schemathesis' FailureGroup, or a crash of the app (a 500)
            failures.append((operation.label, mode.value, _describe(exc)))

    try:
        run()
    except _TimeUp:
        pass


def test_the_api_answers_as_its_document_says(app, demo_portal, capsys):
    keys = _keys()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    rounds = [(key, mode) for key in keys.values() for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)]
    budget = SECONDS / (len(operations) * len(rounds))
    counts = {"examples": 0}
    failures: list = []
    for key, mode in rounds:
        for operation in operations:
            _fuzz(operation, key, mode, budget, counts, failures)
    with capsys.disabled():
        print(f"\nschemathesis ({db.engine.dialect.name}): {counts['examples']} examples, {len(operations)} "
              f"endpoints, 2 keys × valid/invalid input, {len(failures)} failures")
    assert failures == [], "\n\n".join(f"{label} [{mode}]\n{text}" for label, mode, text in failures[:10])
