"""Where a request is answered: the emulated model and the engine that runs it.

* :mod:`.engine`: the endpoint without HTTP (key, faults, rules, reply, last touches).
* :mod:`.catalog`: the served models and how each one behaves.
* :mod:`.policies`: how the model decides what to answer (``"auto"``, ``"scripted"``, callables).
* :mod:`.replies`: what it answers (:class:`~.replies.Reply`, :class:`~.replies.ToolCall`) and
  the replies a test queues.
* :mod:`.schema_values`: JSON values that satisfy a schema, filled from the user's words.

Internal to the emulator: its public names are re-exported by the emulator package.
"""
