"""Storage: SQLAlchemy models, the async engine and the Alembic migration chain."""
