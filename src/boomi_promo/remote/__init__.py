"""``promo remote``: the product's actions from a terminal or a CI job, against a running service.

:mod:`.client` speaks the service's JSON API over HTTP (a bearer token, ``Prefer: respond-async``
and the job document for long actions) and turns every failure into a :class:`.client.RemoteError`
that carries the command's exit code; :mod:`.progress` shows a followed job; :mod:`.render`
prints answers for people; :mod:`.commands` holds the Typer commands.
"""
