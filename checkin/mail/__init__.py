"""Mail: the outbox written with the ticket, the message composed from it, its delivery and the worker."""
