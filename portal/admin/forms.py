"""Forms for the admin pages: organisation, staff account and the audit-trail search."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Length, Optional

from portal.audit import AuditEvent
from portal.auth.models import User
from portal.forms import MultiCheckboxField, PortalForm, at_least_one, at_most, choice
from portal.orgs import KINDS, Organisation
from portal.people.models import Person


class OrganisationForm(PortalForm):
    class Meta:
        model = Organisation
        columns = {"orgnr": None}  # stored normalised (212000-2981); the operation checks what is left

    name = StringField(_l("Namn"), validators=[DataRequired(_l("Ange organisationens namn."))],
                       description=_l("T.ex. Lekebergs kommun, AMI."))
    code = StringField(_l("Kod"), validators=[DataRequired(_l("Ange en kort kod."))],
                       description=_l("Kort och unik, med små bokstäver, siffror och bindestreck, "
                                      "t.ex. lekeberg-ami. Kan inte ändras senare."))
    kind = SelectField(_l("Typ"), choices=[choice(k, v) for k, v in KINDS.items()],
                       validators=[DataRequired(_l("Välj typ av organisation."))])
    orgnr = StringField(_l("Organisationsnummer"),
                        validators=[DataRequired(_l("Ange organisationsnumret.")), at_most(20)],
                        description=_l("Tio siffror, t.ex. 212000-2981. En kommuns enheter har kommunens nummer."))
    parent = SelectField(_l("Hör till"), choices=[], validate_choice=False,
                         description=_l("Den kommun som en enhet hör till. Ingen behörighet ärvs."))
    kommunkod = StringField(_l("Kommunkod"), validators=[Optional(), Length(max=4)],
                            description=_l("Bara för typen kommun: kommunens fyra siffror, t.ex. 1814 för Lekeberg. "
                                           "En enhet lämnar fältet tomt och räknas till sin kommun."))


class EditOrganisationForm(OrganisationForm):
    #: Digest of the values the form was opened with, to notice a change saved meanwhile by someone else.
    version = HiddenField()
    is_active = BooleanField(_l("Aktiv"), description=_l("En inaktiv organisation får inga nya användare."))


class SigninSettingsForm(PortalForm):
    """How an organisation's staff sign in: password login on or off, and which providers may create accounts."""

    version = HiddenField()
    password_login_allowed = BooleanField(
        _l("Tillåt inloggning med lösenord"),
        description=_l("Stäng av för att bara tillåta inloggning med e-legitimation (t.ex. SITHS-kort eller Freja "
                       "OrgID). Den som är inloggad med lösenord nu loggas inte ut."))
    creating = MultiCheckboxField(
        _l("Inloggningstjänster som får skapa konton"), choices=[],
        description=_l("Den som loggar in för första gången via en vald tjänst, med en bekräftad e-postadress och "
                       "utan konto, får ett konto som handläggare i organisationen. Fler roller ger du själv efteråt."))


class UserForm(PortalForm):
    class Meta:
        model = User

    email = EmailField(_l("E-postadress"), validators=[DataRequired(_l("Ange e-postadressen."))],
                       render_kw={"autocomplete": "off"})
    name = StringField(_l("Namn"), validators=[DataRequired(_l("Ange namnet."))], render_kw={"autocomplete": "off"})
    organisation = SelectField(_l("Organisation"), choices=[], validate_choice=False)
    roles = MultiCheckboxField(_l("Roller"), choices=[], validators=[at_least_one(_l("Välj minst en roll."))],
                               description=_l("Välj minst en roll. Rollerna styr vad användaren får göra."))
    password = PasswordField(
        _l("Första lösenord"), validators=[DataRequired(_l("Ange ett första lösenord."))],
        description=_l("Minst 12 tecken. Lämna lösenordet till användaren på ett säkert sätt; "
                       "användaren kan byta det under Mitt konto."),
        render_kw={"autocomplete": "new-password"},
    )


class EditUserForm(PortalForm):
    class Meta:
        model = User

    version = HiddenField()
    name = StringField(_l("Namn"), validators=[DataRequired(_l("Ange namnet."))])
    roles = MultiCheckboxField(_l("Roller"), choices=[], validators=[at_least_one(_l("Välj minst en roll."))],
                               description=_l("Välj minst en roll. Rollerna styr vad användaren får göra."))


class UserFilterForm(PortalForm):
    """The filter above the user list (GET, so a filtered list can be linked)."""

    class Meta:
        csrf = False

    q = StringField(_l("Namn eller e-post"), validators=[Optional(), at_most(200)])
    org = SelectField(_l("Organisation"), choices=[], validate_choice=False)


class AuditSearchForm(PortalForm):
    """The audit-trail search (GET, so a search can be linked and repeated)."""

    class Meta:
        csrf = False
        model = AuditEvent
        columns = {"email": User.email, "person": Person.pseudonym}

    #: Chosen from the actions the portal records (choices set by the view, see `action_choices`); a value from a
    #: link (an older action, or a prefix such as "user" for all user events) is searched as it is.
    action = SelectField(_l("Händelse"), validators=[Optional(), Length(max=100)], validate_choice=False)
    email = StringField(_l("Användarens e-post"), validators=[Optional()])
    date_from = DateField(_l("Från och med"), validators=[Optional()],
                          description=_l("Datum som ÅÅÅÅ-MM-DD"))
    date_to = DateField(_l("Till och med"), validators=[Optional()], description=_l("Datum som ÅÅÅÅ-MM-DD"))
    person = StringField(_l("Deltagare"), validators=[Optional()], description=_l("Pseudonymen, t.ex. D-4821."))
    object_type = StringField(_l("Objekttyp"), validators=[Optional()],
                              description=_l("T.ex. User eller Organisation"))
    object_id = StringField(_l("Objekt-id"), validators=[Optional()])


class AuditVerifyForm(PortalForm):
    """The chain check, optionally against a head kept elsewhere (POST: the check is recorded)."""

    head = StringField(
        _l("Sparat huvud (valfritt)"), validators=[Optional(), at_most(100)],
        description=_l("Kedjans huvud som sparats utanför portalen, t.ex. 1234:9f86d081…. Då upptäcks också att "
                       "de senaste händelserna har tagits bort eller att kedjan har skrivits om."),
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )


def action_choices(labels: dict, current: str | None) -> list[tuple[str, str]]:
    """Every action in words, by its words; the one searched for first when it is none of them."""
    choices = [("", str(_l("Alla händelser")))]
    choices += sorted(((action, str(label)) for action, label in labels.items()), key=lambda c: c[1].lower())
    if current and current not in labels:
        choices.insert(1, (current, current))
    return choices
