"""Pesanan: an order management system that runs the order-to-cash cycle."""

__version__ = "0.1.0"
