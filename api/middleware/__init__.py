"""ASGI middleware of the app, one module each, installed by :func:`api.app.create_app`."""
