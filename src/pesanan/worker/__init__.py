"""`pesanan worker`: the one process type for everything that runs after a commit or on a clock
(the event relay, webhook and 3PL deliveries, the broker publisher, automation rules, scheduled
jobs)."""
