"""Returns (RMA): request, approve, receive with dispositions, refund or exchange."""
