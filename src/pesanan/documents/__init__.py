"""Documents as PDF (issue 12): invoice, credit note, packing slip, pick list, purchase order,
customer statement, rendered from HTML templates with the shop's settings on each."""
