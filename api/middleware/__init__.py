"""ASGI middleware the app installs around every route: request limits
(:mod:`api.middleware.limits`) and security headers (:mod:`api.middleware.headers`)."""
