"""Deals: financing requests, applications, offers and disbursements, and their state machines."""
