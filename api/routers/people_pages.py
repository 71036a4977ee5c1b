"""The people pages of the dashboard: the agent's workbench (my week, time-off requests and
their state), the planner's and supervisor's inbox (decisions, swaps, re-planning), and a
roster's editing page (its fairness table and a form that moves, shortens, adds or deletes
rows).

They use the shared page shell (:func:`api.routers.dashboard.render_page`) and read only the
people endpoints; their scripts are ``api/static/workbench.js``, ``inbox.js`` and
``roster_edit.js``.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from api.routers.dashboard import render_page

router = APIRouter()

PEOPLE_PAGES = {
    "/dashboard/workbench": ("workbench", "workbench_title"),
    "/dashboard/inbox": ("inbox", "inbox_title"),
    "/dashboard/roster-edit": ("roster_edit", "roster_edit_title"),
}
"""URL -> (page script in api/static, i18n key of its title)."""


HELPERS = '<script src="/static/people_api.js" defer></script>\n  '
"""The people pages' shared script, loaded before the page's own."""


def people_page(page: str, title_key: str) -> str:
    """A people page's HTML: the shared shell with :data:`HELPERS` before the page script."""
    own = f'<script src="/static/{page}.js"'
    return render_page(page, title_key, False).replace(own, HELPERS + own)


def _add_page(path: str, page: str, title_key: str) -> None:
    def read_page() -> HTMLResponse:
        return HTMLResponse(people_page(page, title_key))

    read_page.__name__ = f"read_page_{page}"
    router.add_api_route(path, read_page, methods=["GET"], include_in_schema=False)


for _path, (_page, _title) in PEOPLE_PAGES.items():
    _add_page(_path, _page, _title)
