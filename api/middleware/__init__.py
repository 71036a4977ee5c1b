"""ASGI middleware the app installs around every route, one module each: request limits
(:mod:`api.middleware.limits`), overload shedding and timeouts (:mod:`api.middleware.shedding`)
and security headers (:mod:`api.middleware.headers`)."""
