"""The composition root: builds the one ASGI app that serves both the API and the web console
(filled in by the entrypoints work of issue 10)."""
