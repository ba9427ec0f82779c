"""Forms for series, meetings, agenda items, minutes and action items."""
from __future__ import annotations

from datetime import time

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, Optional

from meetings.models import ActionItem, AgendaItem, Meeting, MeetingSeries, MinutesRevision
from portal.forms import MultiCheckboxField, Needed, PortalForm, SwedishDateField

KIND_LABELS = {
    "styrgrupp": _l("Styrgrupp"),
    "arbetsgrupp": _l("Arbetsgrupp"),
    "arendeforum": _l("Ärendeforum (t.ex. Vägen)"),
    "motesplats": _l("Mötesplats"),
    "ovrigt": _l("Övrigt"),
}
ITEM_KIND_LABELS = {
    "information": _l("Information"),
    "beslut": _l("Beslut"),
    "arende": _l("Ärendedragning"),
    "mal": _l("Måluppföljning"),
    "ovrigt": _l("Övrigt"),
}
WEEKDAYS = [_l("måndag"), _l("tisdag"), _l("onsdag"), _l("torsdag"), _l("fredag"), _l("lördag"), _l("söndag")]
NTH_LABELS = {"1": _l("första"), "2": _l("andra"), "3": _l("tredje"), "4": _l("fjärde"), "-1": _l("sista")}
ATTENDANCE_LABELS = {"present": _l("Närvarande"), "absent": _l("Frånvarande"), "replaced": _l("Ersatt av")}


class SwedishTimeField(TimeField):
    """A time typed as TT:MM."""

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not valuelist[0].strip():
            return
        try:
            hours, minutes = valuelist[0].strip().replace(".", ":").split(":")
            self.data = time(int(hours), int(minutes))
        except ValueError:
            raise ValueError(_l("Ange tiden som TT:MM, t.ex. 09:00.")) from None


class SeriesForm(PortalForm):
    class Meta:
        model = MeetingSeries
        columns = {"organisations": None, "coordinators": None, "length_minutes": None, "interval_weeks": None,
                   "weekday": None, "nth": None, "proposal_days": None, "agreement_id": None}

    version = HiddenField()
    name = StringField(_l("Namn"), validators=[DataRequired(_l("Ange seriens namn, t.ex. Vägen."))])
    kind = RadioField(_l("Sorts möte"), choices=list(KIND_LABELS.items()), validate_choice=False,
                      validators=[Needed()])
    organisations = MultiCheckboxField(_l("Organisationer som deltar"), validators=[Needed()],
                                       description=_l("Deras användare ser mötena och kan föreslå punkter."))
    coordinators = MultiCheckboxField(_l("Samordnare"), validators=[Needed()], description=_l(
        "De som godkänner punkter, publicerar dagordningen och skriver minnesanteckningarna."))
    place = StringField(_l("Plats eller videolänk"), validators=[Optional()])
    start_time = SwedishTimeField(_l("Starttid"), validators=[Needed()], description=_l("TT:MM, t.ex. 09:00"))
    length_minutes = StringField(_l("Längd i minuter"), validators=[Needed()], default="90")
    recurrence = RadioField(_l("Återkommer"), validate_choice=False, validators=[Needed()], choices=[
        ("weekly", _l("Var N:e vecka på en veckodag")),
        ("monthly", _l("En viss veckodag i månaden, t.ex. första tisdagen")),
        ("dates", _l("Bestämda datum"))])
    interval_weeks = StringField(_l("Antal veckor mellan mötena"), default="2")
    weekday = SelectField(_l("Veckodag"), validate_choice=False,
                          choices=[("", "")] + [(str(i), label) for i, label in enumerate(WEEKDAYS)])
    nth = SelectField(_l("Vilken i månaden"), validate_choice=False, choices=[("", "")] + list(NTH_LABELS.items()))
    fixed_dates = StringField(_l("Bestämda datum"), description=_l(
        "ÅÅÅÅ-MM-DD, eller dag/månad varje år, åtskilda med komma, t.ex. 22/2, 2/5, 5/9, 7/11"))
    starts_on = SwedishDateField(_l("Gäller från"), validators=[Needed()], description=_l("ÅÅÅÅ-MM-DD"))
    ends_on = SwedishDateField(_l("Planera till och med"), description=_l("Tomt: ett år framåt."))
    holiday_policy = RadioField(_l("När ett möte infaller på en helgdag"), validate_choice=False,
                                validators=[Needed()], default="move", choices=[
                                    ("move", _l("Flytta till nästa arbetsdag")), ("skip", _l("Hoppa över"))])
    proposal_days = StringField(_l("Sista dag för förslag, dagar före mötet"), default="2", validators=[Needed()])
    agreement_id = SelectField(_l("Överenskommelse som serien följer upp"), validate_choice=False, choices=[])


class ExtendForm(PortalForm):
    class Meta:
        model = MeetingSeries
        columns = {"until": None}

    until = SwedishDateField(_l("Förläng till och med"), validators=[Needed()], description=_l("ÅÅÅÅ-MM-DD"))


class MoveForm(PortalForm):
    class Meta:
        model = Meeting
        columns = {"note": Meeting.change_note}

    version = HiddenField()
    on_date = SwedishDateField(_l("Datum"), validators=[Needed()], description=_l("ÅÅÅÅ-MM-DD"))
    start_time = SwedishTimeField(_l("Starttid"), validators=[Needed()], description=_l("TT:MM"))
    place = StringField(_l("Plats eller videolänk"))
    note = StringField(_l("Meddelande till deltagarna"), description=_l("T.ex. varför mötet flyttas eller ställs in."))


class ProposeForm(PortalForm):
    class Meta:
        model = AgendaItem
        columns = {"person_ref": None, "presenter_org_id": None, "minutes_planned": None}

    kind = RadioField(_l("Sorts punkt"), choices=list(ITEM_KIND_LABELS.items()), validate_choice=False,
                      validators=[Needed()], default="information")
    title = StringField(_l("Rubrik"), validators=[DataRequired(_l("Ange en rubrik för punkten."))])
    description = TextAreaField(_l("Beskrivning"), validators=[Optional()])
    presenter_org_id = SelectField(_l("Föredras av"), validate_choice=False, choices=[])
    minutes_planned = StringField(_l("Planerad tid i minuter"), default="10")
    person_ref = StringField(_l("Deltagarens referens (ärendedragning med samtycke)"), description=_l(
        "Koden i adressen till deltagarens sida. Bara när ett samtycke för ärendedragning på möte omfattar alla "
        "organisationer i serien."))
    anonymised_text = TextAreaField(_l("Avidentifierad beskrivning (ärendedragning utan samtycke)"), description=_l(
        "Inga namn, personnummer, födelsedatum, adresser, telefonnummer eller e-postadresser."))
    referral_ref = StringField(_l("Remissens nummer (ärendedragning av en remiss)"),
                               description=_l("T.ex. R-000123."))


class AttachmentForm(PortalForm):
    class Meta:
        model = None

    file = FileField(_l("Fil (PDF, JPEG, PNG eller Word, högst 10 MB)"))


class MinutesForm(PortalForm):
    """Fields are added per item and per organisation by the view (notes_<id>, decision_<id>, status_<org>…)."""

    class Meta:
        model = MinutesRevision
        columns = {"general": None, "reason": MinutesRevision.correction_reason}

    version = HiddenField()
    general = TextAreaField(_l("Allmänt"), validators=[Optional()])
    reason = StringField(_l("Varför rättas de fastställda anteckningarna?"), validators=[Optional()])


class ActionForm(PortalForm):
    class Meta:
        model = ActionItem
        columns = {"owner_user_id": None, "owner_org_id": None}

    what = StringField(_l("Vad ska göras"), validators=[DataRequired(_l("Ange vad som ska göras."))])
    owner_user_id = SelectField(_l("Ansvarig person"), validate_choice=False, choices=[])
    owner_org_id = SelectField(_l("Ansvarig organisation"), validate_choice=False, choices=[])
    due_on = SwedishDateField(_l("Klart senast"), description=_l("ÅÅÅÅ-MM-DD"))
