"""Console: Fulfilment orders and pick lists."""

from fastapi import APIRouter

router = APIRouter()
