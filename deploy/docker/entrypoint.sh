#!/bin/sh
# The container's entry point (deploy/docker/Dockerfile). `serve` (the default) brings
# the database to the newest schema, then runs gunicorn with the shipped settings; any
# other command runs as given, e.g. `docker compose run portal flask --app portal.wsgi
# portal create-user ...`.
#
# Several containers may start at once: the upgrade runs under the schema lock
# (portal/schema.py), so the second waits and finds the work done. Set
# PORTAL_MIGRATE_ON_START=0 to upgrade by hand instead (docs/operations.md).
set -eu

if [ "$#" -eq 0 ] || [ "$1" = "serve" ]; then
    if [ "${PORTAL_MIGRATE_ON_START:-1}" = "1" ]; then
        flask --app portal.wsgi portal init-db
    fi
    exec gunicorn -c "${GUNICORN_CONFIG:-/app/deploy/gunicorn.conf.py}" portal.wsgi:app
fi
exec "$@"
