"""The emulated model: which models are served and what they answer.

Internal to the emulator; the public names are re-exported by :mod:`..emulator`.
"""
