"""Forms for login, the second factor, enrolment and changing the password."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired

from portal.auth.models import User
from portal.forms import PortalForm, at_most


class LoginForm(PortalForm):
    class Meta:
        model = User

    email = EmailField(_l("E-postadress"), validators=[DataRequired(_l("Ange din e-postadress."))],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Lösenord"), validators=[DataRequired(_l("Ange ditt lösenord."))],
                             render_kw={"autocomplete": "current-password"})


class CodeForm(PortalForm):
    code = StringField(
        _l("Kod"),
        validators=[DataRequired(_l("Ange koden från autentiseringsappen.")), at_most(40)],
        description=_l("Sex siffror från appen, eller en av dina reservkoder (t.ex. abcd-efgh-jkmn)."),
        render_kw={"autocomplete": "one-time-code", "inputmode": "text", "spellcheck": "false"},
    )


class EnrolForm(PortalForm):
    #: Only when two-factor login is on already: whoever sets it up again proves it is the account's owner.
    current = PasswordField(
        _l("Lösenord eller kod från din nuvarande app"),
        validators=[DataRequired(_l("Ange ditt lösenord eller en kod från den app du använder nu."))],
        description=_l("Tvåfaktorsinloggningen är redan påslagen. Bekräfta att det är du innan du byter app."),
        render_kw={"autocomplete": "current-password"},
    )
    code = StringField(
        _l("Kod från appen"),
        validators=[DataRequired(_l("Ange koden som appen visar.")), at_most(10)],
        description=_l("Skanna QR-koden med din autentiseringsapp och skriv sedan in de sex siffrorna."),
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class ChangePasswordForm(PortalForm):
    current = PasswordField(_l("Nuvarande lösenord"), validators=[DataRequired(_l("Ange ditt nuvarande lösenord."))],
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField(_l("Nytt lösenord"), validators=[DataRequired(_l("Ange ett nytt lösenord."))],
                        description=_l("Minst 12 tecken. Gärna en mening av flera ord."),
                        render_kw={"autocomplete": "new-password"})
    repeat = PasswordField(_l("Upprepa det nya lösenordet"),
                           validators=[DataRequired(_l("Skriv det nya lösenordet en gång till."))],
                           render_kw={"autocomplete": "new-password"})
