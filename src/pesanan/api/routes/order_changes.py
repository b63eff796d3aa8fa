"""Holds, hold rules and order edits."""

from fastapi import APIRouter

router = APIRouter(tags=["orders"])
