"""Administration pages: organisations, staff accounts and the audit trail (granskningslogg)."""
from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("admin", __name__, url_prefix="/admin")

#: Swedish labels for the audit actions the portal writes; unknown actions are shown as they are.
ACTION_LABELS: dict[str, object] = {
    "login": _l("Inloggning"),
    "login.failed": _l("Misslyckad inloggning"),
    "login.throttled": _l("Inloggning stoppad efter för många försök"),
    "login.recovery_code_used": _l("Inloggning med reservkod"),
    "logout": _l("Utloggning"),
    "access.denied": _l("Nekad åtkomst"),
    "request.throttled": _l("Begäran stoppad efter för många försök"),
    "org.create": _l("Organisation skapad"),
    "org.update": _l("Organisation ändrad"),
    "user.create": _l("Användare skapad"),
    "user.update": _l("Användare ändrad"),
    "user.deactivate": _l("Användare inaktiverad"),
    "user.activate": _l("Användare återaktiverad"),
    "user.password_change": _l("Lösenord bytt"),
    "user.totp_enabled": _l("Tvåfaktorinloggning aktiverad"),
    "user.totp_reset": _l("Tvåfaktorinloggning återställd"),
    "audit.search": _l("Sökning i granskningsloggen"),
    "audit.verify": _l("Kontroll av granskningsloggens kedja"),
}


def register_action_labels(labels: dict[str, object]) -> None:
    """Let an area name its own audit actions in Swedish on the audit page (e.g. "referral.submit")."""
    ACTION_LABELS.update(labels)


def init_app(app) -> None:
    """Register the admin pages and their menu entries (which also become start-page cards)."""
    from portal.admin import views  # noqa: F401  (routes register on bp)
    from portal.templating import add_nav

    app.register_blueprint(bp)
    add_nav("admin.orgs", _l("Organisationer"), "org.manage",
            _l("Lägg upp och ändra de organisationer och enheter som samverkar i portalen."))
    add_nav("admin.users", _l("Användare"), "user.manage",
            _l("Skapa användarkonton, ge roller och inaktivera konton som inte längre ska användas."))
    add_nav("admin.audit", _l("Granskningslogg"), "audit.search",
            _l("Sök i loggen över vem som gjort vad i portalen och kontrollera att den är oförändrad."))
