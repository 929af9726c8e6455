"""Matching: the volunteer pool, the waiting list and the matches made between them."""
