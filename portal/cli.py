"""Command-line tools: seed-demo, seed-scale, send-mail (portal/mail.py), create-org, create-user, audit."""
from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import inspect

from portal import audit, audit_check, demo, mail, orgs, scale_ground
from portal.auth import operations as accounts
from portal.db import db
from portal.permissions import ROLES


def _fail(message) -> None:
    click.echo(f"Fel: {message}", err=True)
    sys.exit(2)


def _require_schema() -> None:
    """Stop with a clear message (not a traceback) when the migrations have not been applied."""
    if not inspect(db.engine).has_table(audit.AuditChainHead.__tablename__):
        _fail("databasen saknar portalens tabeller. Kör först: flask --app portal db upgrade heads")
    audit.ensure_head()


def init_app(app: Flask) -> None:
    scale_ground.init_app(app)  # seed-scale
    mail.init_app(app)  # send-mail

    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Gör ingenting om databasen redan har organisationer.")
    def seed_demo(if_empty: bool):
        """Lägg in demodata (Lekeberg) med inloggningar för varje roll."""
        _require_schema()
        if not demo.is_empty():
            if if_empty:
                click.echo("Databasen har redan data; demodata läses inte in igen.")
                _print_logins()
                return
            _fail("databasen har redan organisationer. Använd en tom databas för demodata.")
        demo.seed()
        db.session.commit()
        click.echo("Demodata inlagd.")
        _print_logins()

    def _print_logins():
        click.echo("")
        click.echo(f"Demoinloggningar (lösenord för alla: {demo.DEMO_PASSWORD}, tvåfaktor av):")
        for email, _name, org_code, roles in demo.USERS:
            labels = ", ".join(str(ROLES[r]) for r in roles)
            click.echo(f"  {email:<40} {labels:<28} {org_code}")

    @app.cli.command("create-org")
    @click.argument("name")
    @click.option("--code", required=True, help="Unik kortkod, t.ex. lekeberg-ami.")
    # Kind and role are checked by the operations (not click.Choice) so that the message is Swedish.
    @click.option("--kind", required=True, help="Typ av organisation: " + ", ".join(orgs.KINDS) + ".")
    @click.option("--orgnr", required=True, help="Organisationsnummer, t.ex. 212000-2981.")
    @click.option("--parent", default=None, help="Kod för överordnad organisation (kommunen).")
    def create_org(name, code, kind, orgnr, parent):
        """Skapa en organisation."""
        _require_schema()
        if kind not in orgs.KINDS:
            _fail(f"okänd typ av organisation: {kind}. Välj en av: {', '.join(orgs.KINDS)}.")
        try:
            parent_org = orgs.resolve(parent) if parent else None
            org = orgs.create_organisation(name=name, code=code, kind=kind, orgnr=orgnr, parent=parent_org,
                                           by=None)
        except orgs.OrgError as exc:
            _fail(exc)
        db.session.commit()
        click.echo(f"Skapade organisationen {org.name} (kod {org.code}, {org.kind_label}, {org.orgnr}"
                   + (f", under {org.parent.code}" if org.parent else "") + ").")

    @app.cli.command("create-user")
    @click.argument("email")
    @click.option("--org", "org_ref", required=True, help="Organisationens kod eller organisationsnummer.")
    @click.option("--role", "roles", multiple=True, required=True,
                  help="Roll (kan anges flera gånger): " + ", ".join(ROLES) + ".")
    @click.option("--name", default=None, help="Namn (annars delen före @).")
    @click.option("--password", default=None, help="Lösenord; utelämna för att bli tillfrågad.")
    def create_user(email, org_ref, roles, name, password):
        """Skapa en användare i en organisation."""
        _require_schema()
        unknown = [r for r in roles if r not in ROLES]
        if unknown:
            _fail(f"Okänd roll: {', '.join(unknown)}. Välj bland: {', '.join(ROLES)}.")
        try:
            org = orgs.resolve(org_ref)
        except orgs.OrgError as exc:
            _fail(exc)
        if password is None:
            # Check what can be checked before asking, so the operator does not type a password in vain.
            try:
                taken = accounts.by_email(accounts.normalise_email(email)) is not None
            except accounts.AccountError as exc:
                _fail(exc)
            if taken:
                _fail("E-postadressen används redan av ett annat konto.")
            password = click.prompt("Lösenord", hide_input=True, confirmation_prompt="Upprepa lösenordet")
        try:
            user = accounts.create_user(email=email, name=name or "", organisation=org, roles=list(roles),
                                        password=password, by=None)
        except accounts.AccountError as exc:
            _fail(exc)
        db.session.commit()
        click.echo(f"Skapade användaren {user.email} i {org.name} med rollerna {', '.join(user.role_names)}.")

    audit_cli = AppGroup("audit", help="Granskningsloggen.")

    @audit_cli.command("verify")
    @click.option("--head", "head", default=None, metavar="NR:HASH",
                  help="Kedjans huvud sparat på annat ställe (från `flask audit head`); då upptäcks också att de "
                       "senaste händelserna tagits bort eller att kedjan skrivits om.")
    def verify(head):
        """Kontrollera hashkedjan i granskningsloggen, gärna mot ett sparat huvud."""
        _require_schema()
        try:
            anchor = audit_check.parse_anchor(head)
        except audit_check.AnchorError as exc:
            _fail(exc)
        result = audit_check.verify(anchor=anchor)
        if result.ok:
            click.echo(f"Granskningsloggen är hel: {result.checked} händelser kontrollerade.")
            if anchor is not None:
                click.echo(f"Det sparade huvudet är händelse nr {result.anchor_seq}; "
                           f"{result.checked - result.anchor_seq} händelser har tillkommit sedan dess.")
            click.echo(f"Kedjans huvud (spara på annat ställe): {result.anchor}")
            return
        where = f"vid händelse nr {result.broken_seq}" if result.broken_seq is not None else "mot det sparade huvudet"
        click.echo(f"BRUTEN KEDJA {where}: {result.problem}.", err=True)
        click.echo(f"{result.checked} händelser före den var hela; senaste hela: {result.anchor}", err=True)
        sys.exit(1)

    @audit_cli.command("head")
    def head():
        """Skriv ut kedjans huvud (NR:HASH) att spara utanför portalen, efter en kontroll av hela kedjan.

        Kör den dagligen från cron och skicka utdata till registratorn; `flask audit verify --head NR:HASH`
        visar sedan om något före det sparade huvudet har ändrats eller tagits bort.
        """
        _require_schema()
        result = audit_check.verify()
        if not result.ok:
            click.echo(f"BRUTEN KEDJA vid händelse nr {result.broken_seq}: {result.problem}. "
                       "Inget huvud skrivs ut för en bruten kedja.", err=True)
            sys.exit(1)
        click.echo(result.anchor)

    app.cli.add_command(audit_cli)
