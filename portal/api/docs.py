"""The OpenAPI document at /api/v1/openapi.json: public, it describes the API and holds no data."""
from __future__ import annotations

from flask import current_app, jsonify

from portal import api
from portal.api import spec
from portal.permissions import public

bp = api.blueprint("docs")


@bp.route("/openapi.json")
@public
def openapi_json():
    # Built once per app: the endpoints do not change while it runs.
    document = current_app.extensions.get("dua_openapi")
    if document is None:
        document = current_app.extensions["dua_openapi"] = spec.build()
    return jsonify(document)
