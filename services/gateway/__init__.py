"""The HTTP gateway: a thin JSON door over the services' RPC APIs.

Every handler authenticates, parses, calls one or two RPC methods and formats;
decisions about referrals, volunteers and matches belong to the services.
"""
