"""SQLAlchemy table definitions of the store, one module per family (records, service, alerts)."""
