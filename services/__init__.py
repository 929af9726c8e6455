"""The Livet Går Videre services: referrals, matching, followup and the gateway."""
