"""Forms of the routine pages (runs, offerings) and of the action plan."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.forms import Needed, PortalForm, sane_date
from referrals.routine_models import ActionPlanVersion, Offering, RunDocument, RunStep


class StartForm(PortalForm):
    class Meta:
        model = None
        columns = {"routine": None}

    routine = RadioField(_l("Rutin"), choices=[], validators=[InputRequired(_l("Välj en rutin."))])


class StepForm(PortalForm):
    """Complete, skip or take the "tveksam" branch: the note or the reason, and the run's version."""

    class Meta:
        model = RunStep

    version = HiddenField()
    note = TextAreaField(_l("Anteckning (frivillig)"))


class ReasonForm(PortalForm):
    class Meta:
        model = RunStep

    version = HiddenField()
    reason = TextAreaField(_l("Skäl"), validators=[Needed()])


class MeetingForm(PortalForm):
    class Meta:
        model = RunStep

    version = HiddenField()
    meeting_on = DateField(_l("Mötesdatum"), validators=[Optional(), sane_date], render_kw={"autocomplete": "off"})


class DocumentForm(PortalForm):
    class Meta:
        model = RunDocument

    kind = SelectField(_l("Slags dokument"), choices=[("studieplan", _l("Studieplan")), ("betyg", _l("Betyg")),
                                                       ("avtal", _l("Underskrivet avtal")), ("annat", _l("Annat"))])
    title = StringField(_l("Dokumentets namn"), validators=[Needed()])
    dated_on = DateField(_l("Datum"), validators=[Optional(), sane_date])
    file = FileField(_l("Fil (frivillig)"), description=_l(
        "PDF, JPEG, PNG eller Word (.docx), högst 10 MB. Om formuläret visas igen med fel behöver du välja filen "
        "på nytt."))


class StopForm(PortalForm):
    """Stop a run: the reason (required) and the run's version."""

    class Meta:
        model = None
        columns = {"reason": None}

    version = HiddenField()
    reason = TextAreaField(_l("Varför rutinen avbryts"), validators=[Needed()])


class FollowUpForm(PortalForm):
    class Meta:
        model = None
        columns = {"note": None}

    note = TextAreaField(_l("Vad uppföljningen visade (frivilligt)"))
    next_on = DateField(_l("Nästa uppföljning (frivilligt)"), validators=[Optional(), sane_date])


class OfferingForm(PortalForm):
    class Meta:
        model = Offering
        columns = {"routine": None, "places": None}

    routine = SelectField(_l("Rutin"), choices=[])
    title = StringField(_l("Vad platserna gäller"), validators=[Needed()])
    starts_on = DateField(_l("Periodens första dag"), validators=[Optional(), sane_date])
    ends_on = DateField(_l("Periodens sista dag"), validators=[Optional(), sane_date])
    places = StringField(_l("Antal platser"), validators=[Needed()], render_kw={"inputmode": "numeric"})


class NominateForm(PortalForm):
    class Meta:
        model = None
        columns = {"run": None}

    run = SelectField(_l("Deltagare"), choices=[])


class ChooseForm(PortalForm):
    class Meta:
        model = None
        columns = {"chosen": None}

    version = HiddenField()
    chosen = SelectMultipleField(_l("Välj vilka som får en plats"), choices=[], widget=ListWidget(prefix_label=False),
                                 option_widget=CheckboxInput(), validate_choice=False)


class PlanForm(PortalForm):
    """Every field of a plan version; `version` is the number the form was opened on."""

    class Meta:
        model = ActionPlanVersion

    version = HiddenField()
    goal = TextAreaField(_l("Mål och syfte med insatserna"), validators=[Needed()])
    place = TextAreaField(_l("Var insatserna genomförs"))
    starts_on = DateField(_l("Startdatum"), validators=[Optional(), sane_date])
    ends_on = DateField(_l("Slutdatum"), validators=[Optional(), sane_date])
    person_measures = TextAreaField(_l("Insatser som deltagaren ansvarar för"))
    kommun_measures = TextAreaField(_l("Insatser som kommunen ansvarar för"))
    other_actor = StringField(_l("Annan aktör"), description=_l("T.ex. Arbetsförmedlingen eller en skola."))
    other_measures = TextAreaField(_l("Insatser som den andra aktören ansvarar för"))
    follow_up_on = DateField(_l("Uppföljning sker"), validators=[Optional(), sane_date])
    evaluation_on = DateField(_l("Utvärdering sker"), validators=[Optional(), sane_date])
    follow_up_by = StringField(_l("Ansvarig för uppföljning och utvärdering"))
    end_reason = TextAreaField(_l("Varför en insats avslutades"))
