"""The fault suite: count what goes in and what comes out while things break."""
