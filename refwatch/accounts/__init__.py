"""The accounts room: who may sign in and what each role may do.

Why a room of its own: users, passwords, web sessions, API tokens, the second factor,
sign-in throttling and the permission table are one concern that the web app and the
`refwatch users` command share, and nothing about cases depends on them. Their tables stay
in `refwatch.store.schema_web` (one schema, one migration history); the rules over those
tables live here, above the store and beside intake, so neither imports the other.
"""
