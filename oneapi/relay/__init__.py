"""Relay routes (/v1/...): the data plane.

One straight line per request (``routes`` -> ``auth`` -> ``request`` -> ``pipeline``):
token auth (cached lookups in ``oneapi.services.cache``), the client's body read once, a channel picked by
``oneapi.services.routing``, the upstream request built by ``prepare`` (provider table in ``providers``,
conversion through ``formats`` when the client's format is not the channel's protocol), sent on the pooled
session of ``upstream``, and the answer delivered as a body or relayed event by event (``streaming`` and
``stream_processors``). ``metering`` reserves and settles quota through ``oneapi.billing.ledger``; failed
attempts go to ``oneapi.services.channel_health`` (suspension, automatic disabling) and, when allowed, to
another channel.
"""
