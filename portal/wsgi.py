"""The WSGI application of an installed portal: ``gunicorn portal.wsgi:app``.

The same app as the repository's top-level ``wsgi.py`` (``flask --app wsgi``), made
importable from the package itself, so a server started from an installed wheel
(``pip install blockportal[server]``) needs no file of the source tree. Configuration
comes from the environment (``PORTAL_*``, ``DATABASE_URL``; docs/operations.md).
"""

from portal.app import create_app

app = create_app()
