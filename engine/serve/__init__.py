"""`certrules serve`: the workbench for the body's staff and the HTTP API for its systems.

    settings.py    what the server is started with (address, folders, token, limits)
    catalog.py     the rule sets on offer: configured folders only, each loaded once per digest
    workers.py     evaluation processes, so that a time limit can be kept; tasks.py is what they run
    operations.py  what a request does (select, evaluate, render, diff), shared by API and pages
    api.py         /api/v1 (JSON), described by openapi.py; problems.py maps errors to HTTP statuses
    pages.py       the workbench's pages; forms.py makes the case form from the case schema
    results.py     the workbench's results, kept a while; jobs.py runs impact analyses; examples.py
    security.py    access control, Content-Security-Policy, body limits; requestlog.py, one line a request
    app.py         the ASGI application that puts these together
"""


def create_app(settings=None):
    from .app import create_app as make
    return make(settings)
