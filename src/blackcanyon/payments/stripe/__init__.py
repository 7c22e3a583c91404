"""Stripe: the configured client (``client``) and Connect Express onboarding (``connect``).

Inside this package ``import stripe`` still means the SDK (imports are absolute).
"""
