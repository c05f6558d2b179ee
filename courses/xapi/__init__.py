"""xAPI: learning events as xAPI 1.0.3 statements, sent to a learning record store (LRS).

Owns the outbox. Each meaningful event of the learning record (a module launched or completed,
a knowledge-check attempt passed or failed, a SCORM item completed, a course completed, a
certificate issued) becomes one statement, written as an outbox row in the same transaction as
the event, with an id derived from the event (UUID5), so that a retried request, a re-run task or
a resend never makes a second statement. ``tasks.send_statements`` posts pending rows in batches
to the LRS configured in the environment (``XAPI_LRS_ENDPOINT``, ``XAPI_LRS_KEY``,
``XAPI_LRS_SECRET``); a batch the LRS does not take stays pending and is retried with backoff.
With no endpoint set, nothing is recorded.

Learners are identified to the LRS by an account on the site's home page with an opaque random
name (never their email), unless ``XAPI_ACTOR_IDENTIFIER=mbox`` says otherwise.
"""
