"""The Lekeberg-like demo: organisations from the seed documents and one user per fitting role."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from portal.auth import operations as accounts
from portal.db import db
from portal.orgs import Organisation, create_organisation

DEMO_PASSWORD = "Samverkan-2026!"

#: (code, name, kind, orgnr, parent code)
ORGANISATIONS = [
    ("lekeberg", "Lekebergs kommun", "kommun", "212000-2981", None),
    ("lekeberg-ami", "Lekebergs kommun, AMI", "kommun", "212000-2981", "lekeberg"),
    ("lekeberg-ifo", "Lekebergs kommun, Individ- och försörjningsstöd", "socialtjanst", "212000-2981", "lekeberg"),
    ("lekebergsskolan", "Lekebergsskolan", "skola", "212000-2981", "lekeberg"),
    ("af-hallsberg", "Arbetsförmedlingen Hallsberg", "arbetsformedlingen", "202100-2114", None),
    # Takes part in Vägen, the biweekly case meeting (002_3f8423d3dbf527bb.txt).
    ("forsakringskassan-orebro", "Försäkringskassan Örebro", "forsakringskassan", "202100-5521", None),
]

#: Kommunkod of each kommun in the demo (portal/data/kommuner.csv): the KAA register and reports go by it.
KOMMUNKODER = {"lekeberg": "1814"}

#: (e-mail, name, organisation code, roles). Names are invented; the roles follow the seeds.
USERS = [
    ("kaa.samordnare@lekeberg.example", "Karin Ek", "lekeberg", ["samordnare"]),
    ("styrgrupp@lekeberg.example", "Lars Holm", "lekeberg", ["styrgrupp"]),
    ("admin@lekeberg.example", "Maria Lind", "lekeberg", ["org_admin"]),
    ("handlaggare@lekeberg.example", "Sara Berg", "lekeberg", ["handlaggare"]),
    ("ami.handlaggare@lekeberg.example", "Ahmed Nilsson", "lekeberg-ami", ["handlaggare"]),
    ("ami.admin@lekeberg.example", "Eva Sjö", "lekeberg-ami", ["org_admin"]),
    ("ifo.handlaggare@lekeberg.example", "Johan Al-Sayed", "lekeberg-ifo", ["handlaggare"]),
    ("ifo.admin@lekeberg.example", "Lena Åberg", "lekeberg-ifo", ["org_admin"]),
    ("syv@lekebergsskolan.example", "Peter Strand", "lekebergsskolan", ["handlaggare"]),
    ("admin@lekebergsskolan.example", "Anna Vik", "lekebergsskolan", ["org_admin"]),
    ("handlaggare@af-hallsberg.example", "Fatima Karlsson", "af-hallsberg", ["handlaggare"]),
    ("styrgrupp@af-hallsberg.example", "Olof Dahl", "af-hallsberg", ["styrgrupp"]),
    ("admin@af-hallsberg.example", "Nils Fors", "af-hallsberg", ["org_admin"]),
    ("handlaggare@forsakringskassan.example", "Hanna Öberg", "forsakringskassan-orebro", ["handlaggare"]),
    ("systemadmin@dua-portalen.example", "Ingrid Systemsson", "lekeberg", ["system_admin"]),
]


#: Demo seeders of domain packages, registered by their init_app; each gets the organisations by code.
SEEDERS: list[Callable[[dict[str, Organisation]], None]] = []


def register_seeder(seeder: Callable[[dict[str, Organisation]], None]) -> None:
    if seeder not in SEEDERS:
        SEEDERS.append(seeder)


def is_empty() -> bool:
    return (db.session.scalar(select(func.count()).select_from(Organisation)) or 0) == 0


def seed() -> list[tuple[str, str, list[str]]]:
    """Create the demo organisations and users; returns (e-mail, organisation, roles) for printing."""
    orgs: dict[str, Organisation] = {}
    for code, name, kind, number, parent in ORGANISATIONS:
        orgs[code] = create_organisation(name=name, code=code, kind=kind, orgnr=number,
                                         parent=orgs.get(parent) if parent else None,
                                         kommunkod=KOMMUNKODER.get(code), by=None)
    created = []
    for email, name, org_code, roles in USERS:
        accounts.create_user(email=email, name=name, organisation=orgs[org_code], roles=roles,
                             password=DEMO_PASSWORD, by=None)
        created.append((email, orgs[org_code].name, roles))
    for seeder in SEEDERS:
        seeder(orgs)
    return created
