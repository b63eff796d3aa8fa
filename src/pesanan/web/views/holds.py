"""Console: Hold review queue and order edits."""

from fastapi import APIRouter

router = APIRouter()
