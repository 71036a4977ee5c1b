"""The store: SQLAlchemy 2 engine and tables, Alembic migrations, and the stores that read and
write records, service objects (keys, jobs, forecasts, rosters) and alerts. Reading and writing
only: measures and plans are computed elsewhere."""
