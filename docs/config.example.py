# Copy to instance/config.py and adjust (the instance folder stays empty in git). Environment variables REGISTRY_* override these.
SECRET_KEY = "change-me-to-a-long-random-string"
# SQLite in this folder is the default; for PostgreSQL:
# SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://registry:secret@localhost/registry"
PAGE_SIZE = 25
