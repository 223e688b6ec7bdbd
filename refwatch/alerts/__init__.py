"""Urgent action: alert rules over the people still held, and an outbox that delivers them.

Alerts carry ids, kinds, severities and reasons, never a name: a message that leaves the
system (email, webhook) can be read by whoever holds the mailbox or the receiving server.
"""
