"""One delivery machinery for every signed outbound message (webhooks, the 3PL dispatch)."""
