"""Sourcing plans (dry run) and backorders."""

from fastapi import APIRouter

router = APIRouter(tags=["sourcing"])
