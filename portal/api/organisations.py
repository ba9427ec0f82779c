"""The API's organisations (read): every organisation of the portal, as any signed-in caller may see them."""
from __future__ import annotations

from flask import abort
from sqlalchemy import select

from portal import api
from portal.api import pagination, schemas
from portal.db import db
from portal.orgs import Organisation

bp = api.blueprint("organisations")
TAG = "Organisationer"
OrganisationPage = schemas.page_schema(schemas.Organisation, "OrganisationPage")


def _shown(org: Organisation) -> dict:
    return {"id": org.id, "name": org.name, "code": org.code, "kind": org.kind, "orgnr": org.orgnr,
            "parent_id": org.parent_id, "kommunkod": org.kommunkod, "is_active": bool(org.is_active)}


@api.operation(bp, "/organisations", summary="Organisationerna i portalen", tag=TAG, permission=None,
               query=pagination.PageArgs, response=OrganisationPage,
               description="Alla organisationer, äldsta först: myndigheter, kommuner och deras enheter.")
def list_organisations(args):
    found = pagination.page(select(Organisation), Organisation.id, args, newest_first=False)
    return {"items": [_shown(o) for o in found.items], "next_cursor": found.next_cursor}


@api.operation(bp, "/organisations/<int:org_id>", summary="En organisation", tag=TAG, permission=None,
               response=schemas.Organisation)
def get_organisation(org_id: int):
    org = db.session.get(Organisation, org_id)
    if org is None:
        abort(404)
    return _shown(org)
