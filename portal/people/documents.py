"""Documents the people area hands out: the consent form (samtyckesblankett) as .docx and the register extract
as CSV and .docx."""
from __future__ import annotations

import csv
import io
from datetime import date

from docx import Document
from docx.shared import Pt
from flask_babel import force_locale
from flask_babel import gettext as _

from portal import audit, clock
from portal.people import rules
from portal.people.gate import PersonView
from portal.people.identity import age_on
from portal.people.minors import minors_policy
from portal.people.models import Consent, Person
from portal.people.vocabulary import CATEGORIES, PURPOSES
from portal.permissions import check
from portal.text import xml_safe


def draft_consent_form(view: PersonView, *, by, organisation_names: list[str], purposes: list[str],
                       purpose_other: str, categories: list[str], valid_from: date | None, valid_until: date | None,
                       second_guardian: bool) -> bytes:
    """The form to print and sign before the consent is registered, from what is typed so far; audited.

    `organisation_names` are the other parties; the user's organisation is always the first.
    """
    check(view.is_own, "person.not_linked", person_id=view.person_id)
    policy = minors_policy()
    age = view.age if view.age is not None else 99
    guardian_lines = 0 if age >= policy.adult_age else (2 if policy.both_guardians or second_guardian else 1)
    data = consent_form_docx(
        view=view, organisation_names=[by.organisation.name, *organisation_names], purposes=purposes,
        purpose_other=purpose_other, categories=categories, valid_from=valid_from, valid_until=valid_until,
        guardian_lines=guardian_lines)
    audit.record("consent.form", person_id=view.person_id, by=by, details={"draft": True})
    return data


def consent_form(consent: Consent, person: Person, view: PersonView, *, by) -> bytes:
    """The form of a registered consent, for an organisation involved in it that may see the person; audited."""
    rules.check_involved(by, consent, allowed=view.allowed)
    age_at_start = age_on(person.birth_date, consent.valid_from)
    guardian_lines = 0 if age_at_start >= minors_policy().adult_age else max(len(consent.guardian_names), 1)
    data = consent_form_docx(
        view=view, organisation_names=[p.organisation.name for p in consent.parties], purposes=consent.purposes,
        purpose_other=consent.purpose_other, categories=consent.categories, valid_from=consent.valid_from,
        valid_until=consent.valid_until, guardian_lines=guardian_lines)
    audit.record("consent.form", obj=consent, person_id=person.id, by=by)
    return data


def consent_form_docx(*, view: PersonView, organisation_names: list[str], purposes: list[str], purpose_other: str,
                      categories: list[str], valid_from: date | None, valid_until: date | None,
                      guardian_lines: int) -> bytes:
    """The samtyckesblankett as .docx: parties, purposes, categories, period and signature lines.

    Built from a gate view, so a refused user can never print a person's identity. Always in Swedish: the young
    person and the guardians sign it, whatever language the member of staff reads the portal in. Every text from
    the records or the form passes xml_safe: one control character would otherwise stop the whole form.
    """
    with force_locale("sv"):
        return _consent_form_docx(view=view, organisation_names=[xml_safe(n) for n in organisation_names],
                                  purposes=purposes, purpose_other=xml_safe(purpose_other), categories=categories,
                                  valid_from=valid_from, valid_until=valid_until, guardian_lines=guardian_lines)


def _consent_form_docx(*, view: PersonView, organisation_names: list[str], purposes: list[str],
                       purpose_other: str, categories: list[str], valid_from: date | None,
                       valid_until: date | None, guardian_lines: int) -> bytes:
    doc = Document()
    doc.core_properties.title = _("Samtycke till informationsutbyte")
    doc.add_heading(_("Samtycke till informationsutbyte mellan myndigheter"), level=1)
    doc.add_paragraph(_("Jag samtycker till att de organisationer som anges nedan får lämna och ta emot uppgifter "
                        "om mig, inom de syften och uppgiftskategorier som anges, under den angivna perioden. "
                        "Samtycket är frivilligt och jag kan när som helst återkalla det helt eller delvis."))
    doc.add_heading(_("Personen samtycket gäller"), level=2)
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in ((_("Namn"), view.label), (_("Personnummer"), view.number if view.allowed else "")):
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, xml_safe(value)
    doc.add_heading(_("Organisationer som får utbyta uppgifter"), level=2)
    for name in organisation_names:
        doc.add_paragraph(name, style="List Bullet")
    doc.add_heading(_("Syften"), level=2)
    for key in purposes:
        doc.add_paragraph(xml_safe(PURPOSES.get(key, key)), style="List Bullet")
    if purpose_other:
        doc.add_paragraph(purpose_other, style="List Bullet")
    doc.add_heading(_("Uppgifter som får utbytas"), level=2)
    for key in categories:
        doc.add_paragraph(xml_safe(CATEGORIES.get(key, key)), style="List Bullet")
    doc.add_heading(_("Period"), level=2)
    doc.add_paragraph(_("Samtycket gäller från %(start)s till och med %(end)s.",
                        start=valid_from.isoformat() if valid_from else "________",
                        end=valid_until.isoformat() if valid_until else "________"))
    doc.add_heading(_("Underskrifter"), level=2)
    signers = [_("Den unge")] + [_("Vårdnadshavare %(n)s", n=n + 1) for n in range(guardian_lines)]
    for signer in signers:
        paragraph = doc.add_paragraph()
        paragraph.paragraph_format.space_before = Pt(24)
        paragraph.add_run("_" * 45)
        doc.add_paragraph(_("%(who)s: underskrift, namnförtydligande och datum", who=signer))
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def extract_csv(typed: str, rows, *, by) -> str:
    """The register extract (operations.register_extract) as semicolon-separated text for a spreadsheet: the
    registered data, heading by heading, then the log."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow([_("Registerutdrag för %(nr)s, %(org)s", nr=typed, org=by.organisation.name)])
    for part in getattr(rows, "parts", []):
        writer.writerow([])
        writer.writerow([part.title])
        for record in part.records:
            writer.writerow([f"{label}: {value}" for label, value in record])
    writer.writerow([])
    writer.writerow([_("Loggutdrag för %(nr)s, %(org)s", nr=typed, org=by.organisation.name)])
    writer.writerow([_("Tidpunkt (UTC)"), _("Användare"), _("Organisation"), _("Händelse"), _("Objekt"),
                     _("Detaljer")])
    for row in rows:
        writer.writerow([row["when"].strftime("%Y-%m-%d %H:%M:%S"), row["user"], row["organisation"],
                         row["action"], row["object"], row["details"]])
    return buffer.getvalue()


def extract_docx(typed: str, rows, *, by) -> bytes:
    """The register extract as a .docx the person can be given: the data, then the log in words."""
    from portal.audit_words import details_text

    with force_locale("sv"):
        doc = Document()
        doc.core_properties.title = _("Registerutdrag")
        doc.core_properties.language = "sv-SE"
        doc.add_heading(_("Registerutdrag enligt dataskyddsförordningen artikel 15"), level=1)
        doc.add_paragraph(xml_safe(_("Personnummer: %(nr)s", nr=typed)))
        doc.add_paragraph(xml_safe(_("Personuppgiftsansvarig: %(org)s. Utdraget gäller de uppgifter %(org)s "
                                     "har registrerat om dig.", org=by.organisation.name)))
        doc.add_paragraph(_("Framtaget %(day)s.", day=clock.today().isoformat()))
        for part in rows.parts:
            doc.add_heading(part.title, level=2)
            if not part.records:
                doc.add_paragraph(_("Inga uppgifter."))
            for record in part.records:
                table = doc.add_table(rows=0, cols=2)
                table.style = "Table Grid"
                for label, value in record:
                    cells = table.add_row().cells
                    cells[0].text, cells[1].text = xml_safe(label), xml_safe(value)
                doc.add_paragraph()
        doc.add_heading(_("Vem som har sett eller ändrat uppgifterna"), level=2)
        if not rows:
            doc.add_paragraph(_("Inga händelser."))
        for row in rows:
            when, who = row["when"].strftime("%Y-%m-%d %H:%M"), row["user"] or "–"
            line = f"{when} – {who}: {audit.action_label(row['action'])}"
            words = details_text(row["details"])
            doc.add_paragraph(xml_safe(f"{line}{' (' + words + ')' if words else ''}"), style="List Bullet")
        buffer = io.BytesIO()
        doc.save(buffer)
    return buffer.getvalue()
