"""Followup: every match's consultant contact, check-ins and closure."""
