"""The store's SQLAlchemy models and engine helpers."""
