"""Idempotent creation: a retried POST with the same Idempotency-Key gets the first answer."""
