#!/usr/bin/env bash
# Regenerate migration 0001 from the table definitions. Only allowed while no release has
# shipped 0001; after the first release, every schema change is a new migration file.
set -euo pipefail
cd "$(dirname "$0")/.."
versions=src/pesanan/migrations/versions
tmp=$(mktemp -d)
mv "$versions"/0002_*.py "$tmp"/
rm -f "$versions"/0001_*.py
.venv/bin/python - <<PY
from alembic import command
from pesanan.db.migrate import alembic_config
command.revision(alembic_config("sqlite:///$tmp/gen.db"), message="initial schema",
                 autogenerate=True, rev_id="0001")
PY
mv "$tmp"/0002_*.py "$versions"/
.venv/bin/ruff format -q "$versions"/0001_*.py
.venv/bin/ruff check -q --fix "$versions"/0001_*.py || true
rm -rf "$tmp"
