"""The HTTP API and its helpers."""
