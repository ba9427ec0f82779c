"""The referral forms: new referral and draft, the steps (decline with reason, close with outcome), comments."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField

from portal.forms import MultiCheckboxField, Needed, PortalForm
from portal.people.vocabulary import CATEGORIES
from referrals import workflow
from referrals.models import Referral, ReferralComment, ResponseTime


def _type_choices(only_consent: bool = False):
    return [(key, t.label) for key, t in workflow.TYPES.items() if not only_consent or t.basis == "consent"]


class ReferralForm(PortalForm):
    """A new referral or a draft: every check is the operation's, so every problem shows at once."""

    class Meta:
        model = Referral
        columns = {"person_number": None, "person_ref": None, "form_key": Referral.form_key}

    type = RadioField(_l("Sorts remiss"), choices=_type_choices(), validators=[Needed()], validate_choice=False)  # noqa: A003
    to_org_id = SelectField(_l("Mottagande organisation"), validators=[Needed()], validate_choice=False)
    person_ref = HiddenField()
    person_number = StringField(_l("Den unges personnummer eller samordningsnummer"),
                                description=_l("12 siffror, t.ex. 20070412-1234. Den unge måste vara registrerad "
                                               "hos er. Lämna tomt för en anonym konsultation."))
    categories = MultiCheckboxField(_l("Uppgifter som remissen delar"), choices=list(CATEGORIES.items()),
                                    description=_l("Samtycket måste omfatta varje vald sorts uppgift."))
    reason = TextAreaField(_l("Varför remissen skickas"), validators=[Needed()])
    help_requested = TextAreaField(_l("Vilket stöd eller vilken insats ni ber om"),
                                   description=_l("Behövs inte för en anmälan om studieavbrott eller en "
                                                  "orosanmälan."))
    urgency = RadioField(_l("Hur brådskande"), choices=list(workflow.URGENCY_LABELS.items()), default="normal",
                         validate_choice=False)
    attachment = MultipleFileField(_l("Bilagor"),
                                   description=_l("PDF, JPEG, PNG eller Word (.docx), högst 10 MB per fil. Om "
                                                  "formuläret visas igen med fel behöver du välja filerna på nytt."))
    form_key = HiddenField()
    version = HiddenField()


class VersionForm(PortalForm):
    """A step that asks nothing more (accept, send, withdraw, discard, continue): the version it was shown at."""

    class Meta:
        columns = {"version": None}

    version = HiddenField()


class DeclineForm(VersionForm):
    class Meta:
        model = Referral
        columns = {"version": None}

    decline_reason = TextAreaField(_l("Varför ni avböjer"), validators=[Needed()],
                                   description=_l("Avsändaren ser det ni skriver."))


class CloseForm(VersionForm):
    class Meta:
        model = Referral
        columns = {"version": None}

    outcome = RadioField(_l("Hur ärendet slutade"), choices=list(workflow.OUTCOME_LABELS.items()),
                         validators=[Needed()], validate_choice=False)
    outcome_note = TextAreaField(_l("Anteckning om utfallet"))


class AssignForm(VersionForm):
    class Meta:
        columns = {"version": None, "assignee_id": None}

    assignee_id = SelectField(_l("Handläggare"), validate_choice=False)


class CommentForm(PortalForm):
    class Meta:
        model = ReferralComment

    body = TextAreaField(_l("Kommentar"), validators=[Needed()],
                         description=_l("Båda organisationerna ser kommentaren."))


class NameForm(VersionForm):
    """Turn an anonymised consultation into a named referral of a consent type."""

    class Meta:
        columns = {"version": None, "person_number": None}

    type = RadioField(_l("Sorts remiss"), choices=_type_choices(only_consent=True), validators=[Needed()],  # noqa: A003
                      validate_choice=False)
    person_number = StringField(_l("Den unges personnummer eller samordningsnummer"), validators=[Needed()])
    categories = MultiCheckboxField(_l("Uppgifter som remissen delar"), choices=list(CATEGORIES.items()),
                                    validators=[Needed()])


class AttachForm(PortalForm):
    attachment = MultipleFileField(_l("Lägg till bilagor"),
                                   description=_l("PDF, JPEG, PNG eller Word (.docx), högst 10 MB per fil."))


class ResponseTimeForm(PortalForm):
    class Meta:
        model = ResponseTime
        columns = {"working_days": None}

    working_days = StringField(_l("Svarstid i arbetsdagar"), validators=[Needed()],
                               description=_l("Mellan 1 och 60 arbetsdagar från den dag remissen skickades."))
