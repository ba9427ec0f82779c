"""Forms of the KAA register: register, occupation, measure, contact, deregister, re-register, import, report."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Optional

from kaa.models import (
    CHANNELS,
    DEREGISTRATION_REASONS,
    OCCUPATIONS,
    OUTCOMES,
    SOURCES,
    WITH_WHOM,
    KaaContact,
    KaaEnrolment,
    KaaMeasure,
)
from portal.forms import Needed, PortalForm, SwedishDateField, choice
from portal.people.models import ContactDetails, Person


def _choices(values: dict, empty=None) -> list:
    return ([("", str(empty))] if empty else []) + [choice(k, v) for k, v in values.items()]


NOT_SENSITIVE = _l("Registret får bara innehålla identitet, kontaktuppgifter, sysselsättning och insatser "
                   "(förordning 2006:39 § 4). Skriv inga känsliga uppgifter (t.ex. hälsa eller sociala förhållanden) "
                   "här.")


class RegisterForm(PortalForm):
    class Meta:
        model = KaaEnrolment
        columns = {"first_name": Person.first_name, "last_name": Person.last_name, "number": None,
                   "address": ContactDetails.address, "postal_code": ContactDetails.postal_code,
                   "city": ContactDetails.city, "phone": ContactDetails.phone, "email": ContactDetails.email}

    first_name = StringField(_l("Förnamn"), validators=[Needed()])
    last_name = StringField(_l("Efternamn"), validators=[Needed()])
    number = StringField(_l("Personnummer eller samordningsnummer"), validators=[Needed()],
                         description=_l("12 siffror, t.ex. 20090101-0017."))
    source = SelectField(_l("Hur kommunen fick kännedom"), choices=_choices(SOURCES, _l("– Välj –")),
                         validators=[Needed()])
    registered_on = SwedishDateField(_l("Inskriven"), validators=[Needed()], default=None)
    occupation = SelectField(_l("Nuvarande sysselsättning"), choices=_choices(OCCUPATIONS), default="okand")
    address = StringField(_l("Adress"), validators=[Optional()])
    postal_code = StringField(_l("Postnummer"), validators=[Optional()])
    city = StringField(_l("Ort"), validators=[Optional()])
    phone = StringField(_l("Telefon"), validators=[Optional()])
    email = StringField(_l("E-post"), validators=[Optional()])


class OccupationForm(PortalForm):
    class Meta:
        model = KaaEnrolment
        columns = {"since": None}

    version = HiddenField()
    occupation = SelectField(_l("Sysselsättning"), choices=_choices(OCCUPATIONS), validators=[Needed()])
    since = SwedishDateField(_l("Sedan"), validators=[Needed()])
    planned_occupation = StringField(_l("Planerad sysselsättning"), validators=[Optional()],
                                     description=_l("T.ex. söker till komvux i augusti."))


class MeasureForm(PortalForm):
    class Meta:
        model = KaaMeasure
        columns = {"answer": None}

    content = StringField(_l("Insats"), validators=[Needed()], description=NOT_SENSITIVE)
    offered_on = SwedishDateField(_l("Erbjuden"), validators=[Needed()])
    answer = RadioField(_l("Svar"), choices=[("", _l("Inget svar ännu")), ("ja", _l("Tackat ja")),
                                            ("nej", _l("Tackat nej"))], default="", validate_choice=False)
    start_on = SwedishDateField(_l("Startdatum"), validators=[Optional()])
    end_on = SwedishDateField(_l("Slutdatum"), validators=[Optional()])


class ContactForm(PortalForm):
    class Meta:
        model = KaaContact
        columns = {"guardian_id": None, "note": KaaContact.contact_note}

    contact_on = SwedishDateField(_l("Datum"), validators=[Needed()])
    channel = SelectField(_l("Kontaktsätt"), choices=_choices(CHANNELS, _l("– Välj –")), validators=[Needed()])
    with_whom = SelectField(_l("Med vem"), choices=_choices(WITH_WHOM), validators=[Needed()])
    guardian_id = SelectField(_l("Vårdnadshavare"), choices=[], validate_choice=False,
                              description=_l("Under 18 år kontaktas även vårdnadshavaren. Vårdnadshavare som inte "
                                             "får kontaktas visas inte."))
    outcome = SelectField(_l("Resultat"), choices=_choices(OUTCOMES, _l("– Välj –")), validators=[Needed()])
    declined = BooleanField(_l("Personen tackar nej till stöd"),
                            description=_l("Personen kontaktas då igen efter tre månader."))
    note = StringField(_l("Kort anteckning"), validators=[Optional()], description=NOT_SENSITIVE)


class GuardianMarkForm(PortalForm):
    class Meta:
        columns = {"guardian_id": None, "no_contact": None}

    guardian_id = HiddenField()
    no_contact = HiddenField()


class DeregisterForm(PortalForm):
    class Meta:
        model = KaaEnrolment
        columns = {"reason": KaaEnrolment.deregistration_reason, "on": None, "note": KaaEnrolment.deregistration_note}

    version = HiddenField()
    reason = SelectField(_l("Orsak"), choices=_choices(DEREGISTRATION_REASONS, _l("– Välj orsak –")),
                         validators=[Needed()])
    on = SwedishDateField(_l("Datum"), validators=[Needed()])
    note = StringField(_l("Förklaring"), validators=[Optional()],
                       description=_l("Krävs när orsaken är Annat. Skriv inga känsliga uppgifter (t.ex. hälsa eller "
                                      "sociala förhållanden) här."))


class ReregisterForm(PortalForm):
    class Meta:
        model = KaaEnrolment

    source = SelectField(_l("Varför personen skrivs in igen"), choices=_choices(SOURCES, _l("– Välj –")),
                         validators=[Needed()])
    registered_on = SwedishDateField(_l("Inskriven"), validators=[Needed()])


class ImportForm(PortalForm):
    file = FileField(_l("CSV-fil"), validators=[DataRequired(_l("Välj en fil."))],
                     description=_l("Kolumner: personnummer; förnamn; efternamn; adress; postnummer; ort; skola; "
                                    "program. UTF-8 eller Windows-1252, semikolon eller komma."))
    source = SelectField(_l("Hur kommunen fick kännedom"), choices=_choices(SOURCES), default="annat")
