"""Administration pages: organisations, staff accounts and the audit trail (granskningslogg)."""
from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("admin", __name__, url_prefix="/admin")

def init_app(app) -> None:
    """Register the admin pages and their menu entries (which also become start-page cards)."""
    from portal import mail
    from portal.admin import views  # noqa: F401  (routes register on bp)
    from portal.templating import StartCard, add_nav, add_start_card

    app.register_blueprint(bp)
    add_nav("admin.orgs", _l("Organisationer"), "org.manage",
            _l("Lägg upp och ändra de organisationer och enheter som samverkar i portalen."))
    add_nav("admin.users", _l("Användare"), "user.manage",
            _l("Skapa användarkonton, ge roller och inaktivera konton som inte längre ska användas."))
    add_nav("admin.audit", _l("Granskningslogg"), "audit.search",
            _l("Sök i loggen över vem som gjort vad i portalen och kontrollera att den är oförändrad."))
    add_nav("admin.mail", _l("E-post"), "mail.monitor",
            _l("E-post som portalen inte har kunnat skicka, med felet från e-postservern."))
    add_start_card(StartCard(key="mail.given_up", title=_l("E-post som inte gick fram"), permission="mail.monitor",
                             count=mail.count_given_up, text=_given_up_text, endpoint="admin.mail", order=90))


def _given_up_text(count: int) -> str:
    from flask_babel import ngettext

    return ngettext("%(num)s e-postmeddelande kunde inte skickas trots upprepade försök. Se felet och kontrollera "
                    "e-postinställningarna.",
                    "%(num)s e-postmeddelanden kunde inte skickas trots upprepade försök. Se felet och kontrollera "
                    "e-postinställningarna.", count)
