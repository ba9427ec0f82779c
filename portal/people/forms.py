"""Forms for people, their records, consents, disclosures and the register extract."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from portal.forms import MultiCheckboxField, Needed, PortalForm
from portal.people.models import Consent, ContactDetails, Disclosure, Guardian, Person, PersonNote
from portal.people.vocabulary import BASES, CATEGORIES, METHODS, PURPOSES


def _choices(mapping: dict) -> list[tuple[str, str]]:
    return [(key, label) for key, label in mapping.items()]


class RegisterPersonForm(PortalForm):
    class Meta:
        model = Person
        columns = {name: getattr(ContactDetails, name) for name in ("address", "postal_code", "city", "phone", "email")}

    first_name = StringField(_l("Förnamn"), validators=[DataRequired(_l("Ange förnamn.")), Length(max=100)])
    last_name = StringField(_l("Efternamn"), validators=[DataRequired(_l("Ange efternamn.")), Length(max=100)])
    number = StringField(_l("Personnummer eller samordningsnummer"), validators=[Optional(), Length(max=20)],
                         description=_l("10 eller 12 siffror, med eller utan bindestreck, t.ex. 20080314-2389."),
                         render_kw={"autocomplete": "off", "inputmode": "numeric"})
    reserve_number = StringField(_l("Reservnummer"), validators=[Optional(), Length(max=40)],
                                 description=_l("Bara om personen saknar personnummer och samordningsnummer, "
                                                "t.ex. nyanlända. Ange då också födelsedatum."))
    birth_date = DateField(_l("Födelsedatum"), validators=[Optional()],
                           description=_l("ÅÅÅÅ-MM-DD. Behövs bara med reservnummer."))
    home_kommun = SelectField(_l("Hemkommun"), choices=[], validators=[Optional()])
    is_protected = BooleanField(_l("Skyddade personuppgifter (sekretessmarkering)"),
                                description=_l("Adress och kontaktuppgifter visas då bara för din organisation."))
    address = StringField(_l("Adress"), validators=[Optional(), Length(max=200)])
    postal_code = StringField(_l("Postnummer"), validators=[Optional(), Length(max=10)])
    city = StringField(_l("Postort"), validators=[Optional(), Length(max=100)])
    phone = StringField(_l("Telefon"), validators=[Optional(), Length(max=40)], render_kw={"type": "tel"})
    email = StringField(_l("E-post"), validators=[Optional(), Length(max=254)], render_kw={"type": "email"})


class IdentityForm(PortalForm):
    class Meta:
        model = Person

    first_name = StringField(_l("Förnamn"), validators=[DataRequired(_l("Ange förnamn.")), Length(max=100)])
    last_name = StringField(_l("Efternamn"), validators=[DataRequired(_l("Ange efternamn.")), Length(max=100)])
    home_kommun = SelectField(_l("Hemkommun"), choices=[], validators=[Optional()])
    is_protected = BooleanField(_l("Skyddade personuppgifter (sekretessmarkering)"),
                                description=_l("Din organisations markering. Den kan bara tas bort av den "
                                               "organisation som satte den."))
    protection_reason = TextAreaField(_l("Skäl till att markeringen tas bort"), validators=[Optional()],
                                      description=_l("Krävs när din organisation tar bort sin markering. Alla "
                                                     "organisationer som har personen meddelas."))
    #: Several organisations hold the person: notice a change saved meanwhile.
    version = HiddenField()


class CorrectionForm(PortalForm):
    message = TextAreaField(_l("Vad ska rättas?"), validators=[DataRequired(_l(
        "Skriv vad som behöver rättas och varför.")), Length(max=2000)],
        description=_l("T.ex. rätt stavning av namnet eller ny hemkommun, och var uppgiften kommer ifrån."))


class ConsentDecisionForm(PortalForm):
    reason = TextAreaField(_l("Skäl om ni avböjer"), validators=[Optional(), Length(max=2000)],
                           description=_l("Krävs om ni inte står bakom samtycket."))


class ContactForm(PortalForm):
    class Meta:
        model = ContactDetails

    address = StringField(_l("Adress"), validators=[Optional(), Length(max=200)])
    postal_code = StringField(_l("Postnummer"), validators=[Optional(), Length(max=10)])
    city = StringField(_l("Postort"), validators=[Optional(), Length(max=100)])
    phone = StringField(_l("Telefon"), validators=[Optional(), Length(max=40)], render_kw={"type": "tel"})
    email = StringField(_l("E-post"), validators=[Optional(), Length(max=254)], render_kw={"type": "email"})


class GuardianForm(PortalForm):
    class Meta:
        model = Guardian

    name = StringField(_l("Vårdnadshavarens namn"), validators=[DataRequired(_l("Ange vårdnadshavarens namn.")),
                                                               Length(max=200)])
    relation = StringField(_l("Relation"), validators=[Optional(), Length(max=60)],
                           description=_l("T.ex. mamma, pappa, särskilt förordnad vårdnadshavare."))
    phone = StringField(_l("Telefon"), validators=[Optional(), Length(max=40)], render_kw={"type": "tel"})
    email = StringField(_l("E-post"), validators=[Optional(), Length(max=254)], render_kw={"type": "email"})


class NoteForm(PortalForm):
    class Meta:
        model = PersonNote

    category = SelectField(_l("Kategori"), choices=_choices(CATEGORIES),
                           description=_l("Kategorin avgör vilka samtycken som låter andra organisationer se "
                                          "anteckningen."))
    text = TextAreaField(_l("Anteckning"), validators=[DataRequired(_l("Skriv anteckningen.")),
                                                        Length(max=10000)])


class ConsentForm(PortalForm):
    class Meta:
        model = Consent

    organisations = MultiCheckboxField(
        _l("Organisationer som får utbyta uppgifter"), coerce=int, choices=[],
        description=_l("Din organisation ingår alltid. Varje enhet anges för sig: kommunen omfattar inte sina "
                       "enheter."))
    purposes = MultiCheckboxField(_l("Syften"), choices=_choices(PURPOSES))
    purpose_other = StringField(_l("Annat syfte"), validators=[Optional(), Length(max=300)])
    categories = MultiCheckboxField(_l("Uppgifter som får utbytas"), choices=_choices(CATEGORIES))
    valid_from = DateField(_l("Gäller från"), validators=[Optional()], description=_l("ÅÅÅÅ-MM-DD"))
    valid_until = DateField(_l("Gäller till och med"), validators=[Optional()],
                            description=_l("Högst 12 månader rekommenderas, och inte efter 20-årsdagen."))
    is_past_twenty_stated = BooleanField(_l("Samtycket ska uttryckligen gälla efter personens 20-årsdag"))
    method = RadioField(_l("Hur samtycket lämnades"), choices=_choices(METHODS), default="blankett")
    method_note = TextAreaField(_l("Anteckning om hur samtycket lämnades"), validators=[Optional()],
                                description=_l("Krävs för muntligt samtycke: när, var och vem som var med."))
    scan = FileField(_l("Inskannad blankett"),
                     description=_l("PDF, JPEG eller PNG, högst 10 MB. Krävs när samtycket lämnades på blankett."))
    given_by_person = BooleanField(_l("Personen har själv lämnat samtycket"), default=True)
    guardian_1 = StringField(_l("Vårdnadshavare 1 som samtycker"), validators=[Optional(), Length(max=200)])
    guardian_2 = StringField(_l("Vårdnadshavare 2 som samtycker"), validators=[Optional(), Length(max=200)],
                             description=_l("Vid gemensam vårdnad."))
    person_view = TextAreaField(_l("Den unges egen inställning"), validators=[Optional()],
                                description=_l("Krävs när vårdnadshavare samtycker för ett barn."))
    maturity_assessment = TextAreaField(
        _l("Mognadsbedömning"), validators=[Optional()],
        description=_l("Krävs när en person under 18 år samtycker utan vårdnadshavare."))


class WithdrawForm(PortalForm):
    reason = TextAreaField(_l("Skäl till återkallelsen"), validators=[DataRequired(_l(
        "Ange varför samtycket återkallas (t.ex. den unges egen begäran)."))])


class DisclosureForm(PortalForm):
    class Meta:
        model = Disclosure

    to_org = SelectField(_l("Mottagande organisation"), coerce=int, choices=[], validators=[Needed()])
    basis = SelectField(_l("Lagstöd"), choices=[("", _l("– Välj –")), *_choices(BASES)], validators=[Needed()])
    basis_detail = StringField(_l("Bestämmelse"), validators=[Optional(), Length(max=300)],
                               description=_l("T.ex. SoL 14 kap. 1 §. Krävs för annat lagstöd."))
    justification = TextAreaField(_l("Motivering"), validators=[DataRequired(_l(
        "Motivera varför uppgifterna lämnades ut utan samtycke."))])
    categories = MultiCheckboxField(_l("Uppgifter som lämnades ut"), choices=_choices(CATEGORIES),
                                    validators=[Needed()])
    disclosed_on = DateField(_l("Datum för utlämnandet"), validators=[Optional(), Needed()],
                             description=_l("ÅÅÅÅ-MM-DD"))


class ExtractForm(PortalForm):
    class Meta:
        columns = {"number": None}  # a personnummer to look up, never stored from here

    number = StringField(_l("Personnummer eller samordningsnummer"),
                         validators=[DataRequired(_l("Ange personnumret som begäran gäller."))],
                         render_kw={"autocomplete": "off"})
