"""Drafts: what a person was typing into a reflection or a supervision note, kept on the server
so that a session that times out on a shared computer loses nothing.

Owns ``FormDraft`` (one per person and form page), saved by the page's script every 30 seconds
while the text changes and when the timeout warning shows, offered back on that page after
signing in again, and discarded when the form is saved. Kept on the server rather than in the
browser's storage because the computer is shared: text left in a browser would be readable by
the next person at that computer, a draft on the server only by its author. Knows nothing about
the forms themselves: the apps that own them discard the draft when they save.
"""
