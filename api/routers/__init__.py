"""One APIRouter per resource; the app factory includes every module listed in ROUTER_MODULES."""

ROUTER_MODULES = (
    "health",
    "records",
    "history",
    "forecasts",
    "models",
    "staffing",
    "rosters",
    "plans",
    "simulation",
    "jobs",
    "routing",
    "alerts",
    "intraday",
    "realtime",
    "contacts",
    "capacity",
    "sources",
    "exports",
    "ask",
    "dashboard",
)
