"""Helpers the tests share: broker and database set-up, processes, waiting."""
