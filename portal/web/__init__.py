"""The web layer: blueprints that handle HTTP and nothing else.

Views read the request, call the content layer (``portal.content``) and
render a response; they never commit or announce a change themselves.
"""
