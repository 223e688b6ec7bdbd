"""The persons room: who the records say was held, as lists, filters and timelines.

Why a room of its own: the person list with its filters, a person's timeline with the
conflicts between reports, and the statuses as shown, are library functions that the web
app, the API and the CLI all need; they sit on the counting engine (status as of a date,
one rule) and on the store, and nothing below them imports them.
"""
