"""Referrals: participants referred by treatment sites, from submission to closure."""
