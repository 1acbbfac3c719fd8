"""Storage: SQLAlchemy Core tables and the database handle (SQLite file by default, PostgreSQL)."""
