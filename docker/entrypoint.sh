#!/bin/sh
# Apply pending migrations, then serve with several workers (the commands docs/operations.md names).
set -eu
giveback db upgrade
exec giveback serve --host 0.0.0.0 --port "${GIVEBACK_PORT:-8000}" --workers "${GIVEBACK_WORKERS:-4}"
