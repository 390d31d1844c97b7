"""testing/emulator."""
