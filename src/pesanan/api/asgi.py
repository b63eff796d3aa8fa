"""ASGI entrypoint for servers that import an app by name (uvicorn workers)."""

from pesanan.api.app import create_app

app = create_app()
