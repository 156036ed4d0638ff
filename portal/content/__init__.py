"""The content layer: the rules for writing articles, pages, categories, media and accounts.

Every writer goes through it (the admin, the command line, the importers,
the demo and plugins): it checks who may do what, keeps revisions and the
audit log, and announces what changed. It never imports the web layer
(``portal.web``); an import-linter contract in ``make test`` keeps it so.
"""

# Articles take their category's language on every flush (a session listener).
from portal.content import languages as _languages  # noqa: E402, F401
