"""Console: Returns (RMA)."""

from fastapi import APIRouter

router = APIRouter()
