"""The command line: seed-demo, create-org, create-user and audit verify, as an operator or a script uses them."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from portal import audit_check, demo
from portal.audit import AuditEvent
from portal.auth.models import User
from portal.db import db
from portal.orgs import Organisation
from tests.helpers import PASSWORD


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def run(*args, **kwargs):
        result = runner.invoke(args=list(args), **kwargs)
        db.session.expire_all()
        return result

    return run


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _output(result) -> str:
    return result.output + (result.stderr if result.stderr_bytes is not None else "")


# --- seed-demo ---------------------------------------------------------------------------------------


def test_seed_demo_loads_the_lekeberg_demo_and_prints_the_logins(cli):
    result = cli("seed-demo")
    assert result.exit_code == 0, _output(result)
    assert "Demodata inlagd." in result.output
    assert demo.DEMO_PASSWORD in result.output
    for email, *_rest in demo.USERS:
        assert email in result.output
    assert _count(Organisation) == len(demo.ORGANISATIONS)
    assert _count(User) == len(demo.USERS)
    kommun = db.session.scalar(select(Organisation).where(Organisation.code == "lekeberg"))
    assert kommun.orgnr == "212000-2981"
    ami = db.session.scalar(select(Organisation).where(Organisation.code == "lekeberg-ami"))
    assert ami.parent_id == kommun.id
    assert audit_check.verify().ok


def test_seed_demo_if_empty_a_second_time_does_nothing(cli):
    assert cli("seed-demo").exit_code == 0
    events = _count(AuditEvent)
    result = cli("seed-demo", "--if-empty")
    assert result.exit_code == 0
    assert "Databasen har redan data" in result.output
    assert _count(Organisation) == len(demo.ORGANISATIONS) and _count(AuditEvent) == events


def test_seed_demo_without_if_empty_refuses_a_database_with_data(cli, orgs):
    result = cli("seed-demo")
    assert result.exit_code != 0
    assert "databasen har redan organisationer" in _output(result)


def test_demo_users_can_log_in_without_a_second_factor(cli, client):
    cli("seed-demo")
    response = client.post("/logga-in", data={"email": demo.USERS[0][0], "password": demo.DEMO_PASSWORD})
    assert response.status_code == 302 and client.get("/").status_code == 200


# --- create-org --------------------------------------------------------------------------------------


def test_create_org_prints_what_it_created(cli):
    result = cli("create-org", "Lekebergs kommun", "--code", "lekeberg", "--kind", "kommun",
                 "--orgnr", "2120002981")
    assert result.exit_code == 0, _output(result)
    assert "Skapade organisationen Lekebergs kommun (kod lekeberg, Kommun, 212000-2981)" in result.output
    result = cli("create-org", "Lekebergs kommun, AMI", "--code", "lekeberg-ami", "--kind", "kommun",
                 "--orgnr", "212000-2981", "--parent", "lekeberg")
    assert result.exit_code == 0 and "under lekeberg" in result.output
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "org.create")) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--code", "ny", "--kind", "kommun", "--orgnr", "212000-2980"], "Ogiltigt organisationsnummer"),
        (["--code", "lekeberg", "--kind", "kommun", "--orgnr", "212000-2981"], "Koden lekeberg används redan"),
        (["--code", "ny", "--kind", "foretag", "--orgnr", "212000-2981"], "okänd typ av organisation"),
        (["--code", "ny", "--kind", "kommun", "--orgnr", "212000-2981", "--parent", "finns-inte"],
         "Ingen organisation har koden finns-inte"),
        (["--code", "ny kod!", "--kind", "kommun", "--orgnr", "212000-2981"], "Koden får bara innehålla"),
    ],
)
def test_create_org_bad_input_exits_non_zero_with_a_swedish_message(cli, orgs, args, message):
    before = _count(Organisation)
    result = cli("create-org", "Ny organisation", *args)
    assert result.exit_code != 0
    assert message in _output(result)
    assert "Traceback" not in _output(result)
    assert _count(Organisation) == before


def test_create_org_unknown_kind_lists_the_kinds(cli):
    result = cli("create-org", "X", "--code", "x", "--kind", "foretag", "--orgnr", "212000-2981")
    assert result.exit_code != 0 and "arbetsformedlingen" in _output(result)


# --- create-user -------------------------------------------------------------------------------------


def test_create_user_by_org_code(cli, orgs, client):
    result = cli("create-user", "Ny.Person@Lekeberg.example", "--org", "lekeberg-ami", "--role", "handlaggare",
                 "--role", "samordnare", "--name", "Ny Person", "--password", PASSWORD)
    assert result.exit_code == 0, _output(result)
    assert "Skapade användaren ny.person@lekeberg.example i Lekebergs kommun, AMI" in result.output
    assert "handlaggare, samordnare" in result.output
    assert client.post("/logga-in", data={"email": "ny.person@lekeberg.example",
                                          "password": PASSWORD}).status_code == 302


def test_create_user_by_an_orgnr_that_one_organisation_carries(cli, orgs):
    result = cli("create-user", "ny@af.example", "--org", "2021002114", "--role", "handlaggare",
                 "--password", PASSWORD)
    assert result.exit_code == 0, _output(result)
    assert "Arbetsförmedlingen Hallsberg" in result.output


def test_create_user_with_an_ambiguous_orgnr_is_refused(cli, orgs):
    result = cli("create-user", "ny@lekeberg.example", "--org", "212000-2981", "--role", "handlaggare",
                 "--password", PASSWORD)
    assert result.exit_code != 0
    assert "Flera organisationer har organisationsnumret 212000-2981; ange organisationens kod." in _output(result)
    assert _count(User) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["dubbel@lekeberg.example", "--org", "lekeberg"], "E-postadressen används redan"),
        (["ny@lekeberg.example", "--org", "lekeberg", "--password", "kort"], "minst 12 tecken"),
        (["inte-en-adress", "--org", "lekeberg"], "Ange en giltig e-postadress"),
        (["ny@lekeberg.example", "--org", "finns-inte"], "Ingen organisation har koden finns-inte"),
        (["ny@lekeberg.example", "--org", "999999-9999"], "Ingen organisation har"),
    ],
)
def test_create_user_bad_input_exits_non_zero_with_a_swedish_message(cli, make_user, args, message):
    make_user(email="dubbel@lekeberg.example")
    before = _count(User)
    if "--password" not in args:
        args = [*args, "--password", PASSWORD]
    result = cli("create-user", *args, "--role", "handlaggare")
    assert result.exit_code != 0
    assert message in _output(result)
    assert "Traceback" not in _output(result)
    assert _count(User) == before


def test_create_user_unknown_role_gets_a_swedish_message(cli, orgs):
    result = cli("create-user", "ny@lekeberg.example", "--org", "lekeberg", "--role", "chef",
                 "--password", PASSWORD)
    assert result.exit_code != 0
    assert "Okänd roll: chef" in _output(result) and "handlaggare" in _output(result)


def test_create_user_prompts_for_a_missing_password(cli, orgs):
    result = cli("create-user", "ny@lekeberg.example", "--org", "lekeberg", "--role", "handlaggare",
                 input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, _output(result)
    assert "Lösenord" in result.output and PASSWORD not in result.output
    assert _count(User) == 1


def test_create_user_prompt_with_a_weak_password_fails_cleanly(cli, orgs):
    result = cli("create-user", "ny@lekeberg.example", "--org", "lekeberg", "--role", "handlaggare",
                 input="kort\nkort\n")
    assert result.exit_code != 0 and "minst 12 tecken" in _output(result)


# --- audit verify ------------------------------------------------------------------------------------


def test_audit_verify_prints_the_head_hash_when_whole(cli, orgs):
    result = cli("audit", "verify")
    assert result.exit_code == 0, _output(result)
    head = audit_check.verify().head_hash
    assert head in result.output and "Granskningsloggen är hel" in result.output


def test_audit_verify_exits_non_zero_naming_the_broken_event(cli, orgs):
    table = AuditEvent.__table__
    db.session.execute(update(table).where(table.c.seq == 3).values(action="org.nothing"))
    db.session.commit()
    result = cli("audit", "verify")
    assert result.exit_code != 0
    assert "BRUTEN KEDJA vid händelse nr 3" in _output(result)


@pytest.mark.parametrize("command", [["seed-demo"], ["audit", "verify"],
                                     ["create-org", "X", "--code", "x", "--kind", "kommun", "--orgnr", "2120002981"]])
def test_commands_on_an_unmigrated_database_say_what_to_do(make_app, tmp_path, command):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'tom.sqlite3'}")
    result = app.test_cli_runner().invoke(args=command)
    assert result.exit_code != 0
    assert "db upgrade" in _output(result) and "Traceback" not in _output(result)


def test_create_user_does_not_ask_for_a_password_for_a_taken_email(cli, make_user):
    make_user(email="tagen@lekeberg.example")
    result = cli("create-user", "tagen@lekeberg.example", "--org", "lekeberg", "--role", "handlaggare", input="")
    assert result.exit_code != 0
    assert "E-postadressen används redan" in _output(result) and "Lösenord:" not in result.output
