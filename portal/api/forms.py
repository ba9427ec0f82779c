"""The forms of the API-key pages: a new key's name, scopes and last day."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, StringField

from portal.api.tokens import ApiToken
from portal.forms import MultiCheckboxField, Needed, PortalForm


class TokenForm(PortalForm):
    class Meta:
        model = ApiToken
        columns = {"expires_on": None}

    name = StringField(_l("Namn"), validators=[Needed()],
                       description=_l("Vad nyckeln används till, t.ex. ”Treserva, import av remisser”."))
    scopes = MultiCheckboxField(_l("Behörigheter"), validators=[Needed()],
                                description=_l("Nyckeln får bara göra det du kryssar för här, och aldrig mer än "
                                               "kontots roller ger."))
    expires_on = DateField(_l("Gäller till och med"), validators=[Needed()],
                           description=_l("Högst ett år framåt. Skriv som ÅÅÅÅ-MM-DD."))
