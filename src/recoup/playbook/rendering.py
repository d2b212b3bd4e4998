"""Sandboxed rendering of call scripts and snippets (pure)."""
