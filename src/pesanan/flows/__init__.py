"""Flows: the processes that span domains (place an order, release it to fulfilment, receive a
purchase order, ship and deliver, cancel, edit, hold and release). A flow calls the domains'
service and query functions in the order the process needs, inside the caller's transaction;
a domain never imports a flow. See README.md, "Architecture"."""
