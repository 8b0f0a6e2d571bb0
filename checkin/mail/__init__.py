"""Mail: the message composed from an outbox row (checkin/outbox.py), its delivery and the worker."""
