"""The model layer: ``ChatNVIDIA`` built from settings, and what every request to it goes through.

``factory`` builds Mistral-Nemotron and Mistral-NeMo 12B (with the client-side rate limit);
``hygiene`` and ``wire_cache`` make any history acceptable to a Mistral server, once per message;
``failures`` sorts errors into retryable and not; ``fallback`` retries (honouring ``Retry-After``)
and falls back from one model to the next. Nothing here knows about agents or graphs.
"""
