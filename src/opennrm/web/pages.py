"""The web pages: the routes of every area, and `install()` for their error pages.

`create_app()` includes `router` and calls `install(app)` after the API's error handlers,
so that pages answer with HTML while `/api/` keeps its JSON.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from opennrm.web import errors, i18n
from opennrm.web.routes import (
    account,
    actionplan,
    auth,
    emergency,
    investigations,
    linkage,
    network,
    notifications,
    referrals,
    screening,
    sharing,
    signals,
    statistics,
    timeline,
    training,
)

router = APIRouter(include_in_schema=False)
for _area in (
    auth.router,
    signals.router,
    sharing.router,
    emergency.router,
    notifications.router,
    referrals.router,
    screening.router,
    timeline.router,
    investigations.router,
    linkage.router,
    network.router,
    statistics.router,
    actionplan.router,
    training.router,
    account.router,
):
    router.include_router(_area)


def install(app: FastAPI) -> None:
    errors.install(app)
    # Compile the catalogues now: a broken .po file stops start-up, not a page view.
    for locale in i18n.LOCALES:
        i18n.translations(locale)
