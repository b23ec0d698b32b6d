"""Human review: people answering an evaluation's `contributor_evaluation.question` tasks.

Objects (tables in models/annotation_task.py):

- An annotation *queue* is the line of work of the contributor tasks sharing a `queue_id`
  (default: the evaluation's id). `queues` makes one CONTRIBUTOR_ANNOTATION task per (item,
  queue, reviewer slot) when an evaluation is created or a contributor task is added or changed.
- A task is NOT_READY while the results its layout shows are missing, then PENDING
  (`readiness`, promoted lazily when tasks are read or claimed); COMPLETED once answered,
  PENDING_REDO when sent back, FIXED when an auditor corrected it. CONTRIBUTOR_AUDIT tasks
  (levels 1 and 2) are made by a batch update (`batch`).
- Reviewers are API keys: `claim` hands the next task to one caller under a lock that expires;
  `answers` checks what they submit against each question; `aggregate` turns the answers of
  every reviewer of an item into the item's result cells (majority or mean; an audit wins).

Flow: create → tasks (NOT_READY/PENDING) → claim → view → submit (or skip) → when the item's
last slot is done, its cells are written in the submit's transaction, which bumps the
evaluation's results version. `service` holds the functions routes and the web UI call.

Failure modes: a reviewer who walks away holds nothing once the lock expires (the claim's
condition treats it as free, no sweeper); two claimers never get one task (row locks with SKIP
LOCKED on PostgreSQL, serialised writers on SQLite, and a conditional write on both); a submit
or batch update that fails a check writes nothing (all checks run first, and the request's
transaction rolls back on any error).
"""
