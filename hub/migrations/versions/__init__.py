"""Numbered migrations, applied in order by ``hub db upgrade`` (and at start-up on the embedded default)."""
