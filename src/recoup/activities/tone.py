"""Tone check of notes and outgoing messages (pure). Filled in by the tone-check work."""
