"""Forms for agreements, revisions, comments, goals, measured values and uploads."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from agreements.goals import parse_decimal
from agreements.models import Agreement, Appendix, Goal, Measurement, PartyPerson, Revision, Section
from portal.forms import Needed, PortalForm, SwedishDateField


def decimal_or_empty(form, field) -> None:
    if field.data and field.data.strip():
        try:
            parse_decimal(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class AgreementForm(PortalForm):
    class Meta:
        model = Agreement

    title = StringField(_l("Titel"), validators=[DataRequired(_l("Ange överenskommelsens titel.")),
                                                 Length(max=300)])
    diarienummer = StringField(_l("Diarienummer"), validators=[Optional(), Length(max=60)])
    parties = SelectMultipleField(_l("Parter"), coerce=int, validators=[Needed()],
                                  description=_l("Välj minst två, t.ex. kommunen och Arbetsförmedlingen."))
    valid_from = SwedishDateField(_l("Gäller fr.o.m."), validators=[Optional()])
    valid_to = SwedishDateField(_l("Gäller t.o.m."), validators=[Optional()])


class RevisionForm(PortalForm):
    """The fixed fields of a draft; sections and appendices are read by id from the posted form."""

    class Meta:
        model = Revision

    version = HiddenField()
    valid_from = SwedishDateField(_l("Gäller fr.o.m."), validators=[Optional()])
    valid_to = SwedishDateField(_l("Gäller t.o.m."), validators=[Optional()])
    next_revision_due = SwedishDateField(_l("Nästa revidering senast"), validators=[Optional()])
    place = StringField(_l("Ort för undertecknande"), validators=[Optional(), Length(max=120)])
    signatories = TextAreaField(_l("Undertecknare"), description=_l("En per rad: namn, titel, organisation."))
    change_summary = TextAreaField(
        _l("Ändringar sedan föregående version"),
        description=_l("Lämna tomt för att använda den jämförelse portalen tar fram avsnitt för avsnitt."))


class TitleForm(PortalForm):
    class Meta:
        model = Section

    title = StringField(_l("Rubrik"), validators=[DataRequired(_l("Ange en rubrik.")), Length(max=300)])


class AppendixForm(PortalForm):
    class Meta:
        model = Appendix

    number = StringField(_l("Bilagans nummer"), validators=[DataRequired(_l("Ange bilagans nummer.")),
                                                            Length(max=20)],
                         description=_l("Som i er överenskommelse, t.ex. 1, 3 eller 3b."))
    title = StringField(_l("Rubrik"), validators=[DataRequired(_l("Ange bilagans rubrik.")), Length(max=300)])


class AdoptForm(PortalForm):
    """A steering-group member approves a proposed revision for their party."""

    adopted_on = SwedishDateField(_l("Beslutsdatum"), validators=[DataRequired(_l("Ange datum för beslutet."))])
    #: Shown only when the revision's period of validity has already ended.
    confirm_expired = BooleanField(_l("Giltighetstiden har gått ut, men vi antar revisionen ändå"))


class DecisionForm(PortalForm):
    """A coordinator records the signed decision of a party that has no steering-group member in the portal."""

    party = SelectField(_l("Part"), coerce=int, validate_choice=False)
    adopted_on = SwedishDateField(_l("Partens beslutsdatum"),
                                  validators=[DataRequired(_l("Ange datum för beslutet."))])
    scan = FileField(_l("Partens underskrivna beslut (PDF, JPEG eller PNG)"))
    confirm_expired = BooleanField(_l("Giltighetstiden har gått ut, men parten antar revisionen ändå"))


class CommentForm(PortalForm):
    body = TextAreaField(_l("Kommentar"), validators=[DataRequired(_l("Skriv en kommentar.")),
                                                      Length(max=5000)])


class ScanForm(PortalForm):
    scan = FileField(_l("Underskriven kopia (PDF, JPEG eller PNG)"))


class ImportForm(PortalForm):
    document = FileField(_l("Överenskommelse i Word-format (.docx)"))


class ConfirmImportForm(PortalForm):
    """Confirms the import the preview showed; the token names the upload kept for it."""

    class Meta:
        columns = {"token": None}

    token = HiddenField(validators=[Length(max=64)])


class GoalForm(PortalForm):
    class Meta:
        model = Goal

    indicator = StringField(_l("Mål eller indikator"), validators=[DataRequired(_l("Ange vad målet gäller.")),
                                                                   Length(max=300)],
                            description=_l("T.ex. Arbetslöshet bland unga 18–24 år i kommunen."))
    target_type = RadioField(_l("Typ av mål"), choices=[
        ("direction", _l("Riktning till ett datum (t.ex. ska ha minskat till september 2017)")),
        ("value", _l("Målvärde till ett datum")),
        ("milestone", _l("Delmål som bockas av med datum")),
    ], default="direction")
    unit = StringField(_l("Enhet"), validators=[Optional(), Length(max=40)],
                       description=_l("T.ex. %, antal eller kronor."))
    baseline_value = StringField(_l("Utgångsvärde"), validators=[decimal_or_empty])
    baseline_date = SwedishDateField(_l("Utgångsläget gäller"), validators=[Optional()])
    target_value = StringField(_l("Målvärde"), validators=[decimal_or_empty])
    target_direction = SelectField(_l("Riktning"), choices=[("decrease", _l("ska minska")),
                                                            ("increase", _l("ska öka"))], validate_choice=False)
    target_date = SwedishDateField(_l("Måldatum"), validators=[Optional()])
    description = TextAreaField(_l("Målet som det står i överenskommelsen"), validators=[Optional()])


class MeasurementForm(PortalForm):
    class Meta:
        model = Measurement

    measured_on = SwedishDateField(_l("Mätdatum"), validators=[DataRequired(_l("Ange mätdatum."))])
    value = StringField(_l("Värde"), validators=[DataRequired(_l("Ange ett värde.")), decimal_or_empty],
                        description=_l("Decimalkomma går bra, t.ex. 9,5."))


class CsvForm(PortalForm):
    file = FileField(_l("CSV-fil med mätvärden"),
                     description=_l("Rubrikrad datum;värde, sedan en rad per mätning, t.ex. 2017-03-31;9,2."))


class MilestoneForm(PortalForm):
    achieved_on = SwedishDateField(_l("Klart den"), validators=[DataRequired(_l("Ange datumet då delmålet nåddes."))])
    note = StringField(_l("Kommentar"), validators=[Optional(), Length(max=500)])


class PartyPersonForm(PortalForm):
    class Meta:
        model = PartyPerson

    party = SelectField(_l("Part"), coerce=int, validate_choice=False)
    name = StringField(_l("Namn"), validators=[DataRequired(_l("Ange personens namn.")), Length(max=200)])
    title = StringField(_l("Titel"), validators=[Optional(), Length(max=200)],
                        description=_l("T.ex. sektionschef."))
    email = EmailField(_l("E-postadress"), validators=[Optional(), Length(max=254)])
    is_signatory = BooleanField(_l("Undertecknar överenskommelsen"))
    is_contact = BooleanField(_l("Kontaktperson"))
