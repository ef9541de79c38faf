#!/bin/sh
# The image's two roles (docs/deployment.md):
#   web     apply pending migrations, then serve HTTP with several processes
#   worker  run background jobs (solver runs, mail, calendar imports, the scheduler); any number may run,
#           and `worker --only runs` (or mail, imports, scheduler) runs one kind of job only
# Anything else runs as a giveback command, e.g. `docker compose run --rm web people list`.
set -eu
role="${1:-web}"
case "$role" in
  web)
    giveback db upgrade
    exec giveback serve --host 0.0.0.0 --port "${GIVEBACK_PORT:-8000}" --workers "${GIVEBACK_WORKERS:-4}"
    ;;
  worker)
    shift
    exec giveback worker "$@"
    ;;
  *)
    exec giveback "$@"
    ;;
esac
