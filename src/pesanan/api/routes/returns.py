"""Returns (RMA), credit notes and refunds."""

from fastapi import APIRouter

router = APIRouter(tags=["returns"])
