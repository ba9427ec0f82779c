"""The e2e server: migrate a throwaway database, load the demo and serve it, all in one process."""
from __future__ import annotations

import sys

from flask_migrate import upgrade

from portal import audit, create_app, demo
from portal.db import db


def main(port: int) -> None:
    # Cheap password hashing (as in the unit tests): a dozen logins per run cost seconds with production argon2.
    app = create_app({"PASSWORD_HASH_FAST": True})
    with app.app_context():
        upgrade(revision="heads")
        audit.ensure_head()
        demo.seed()
        db.session.commit()
        # Referrals between the demo's organisations, until the demo seeds its own: the crawl covers their pages.
        from tests.referrals.demo_like import ensure_keyboard_person, ensure_referrals

        ensure_referrals()
        ensure_keyboard_person()
    app.run(host="127.0.0.1", port=port, threaded=True, use_reloader=False, debug=False)


if __name__ == "__main__":
    main(int(sys.argv[1]))
