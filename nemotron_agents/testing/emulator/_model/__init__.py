"""What the emulated models are and what they answer: the data the rest of the emulator shares.

* :mod:`.catalog`: the served models and how each one behaves.
* :mod:`.replies`: what a model answers (:class:`~.replies.Reply`, :class:`~.replies.ToolCall`)
  and the replies a test queues.
* :mod:`.schema_values`: JSON values that satisfy a schema, filled from the user's words.

The bottom of the emulator: it imports none of its other modules, so the request rules, the
encoders and the offline reader can all use it without a cycle. Its public names are
re-exported by the emulator package.
"""
