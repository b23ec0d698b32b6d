"""The evaluation engine, on DBOS Transact.

Objects: an evaluation's items are cut into chunks of consecutive item ids (`chunk_size`); each
chunk is one DBOS workflow (`evaluations.run_chunk`, id `{evaluation_id}-c{n}`) on the
`evaluations` queue, enqueued in the same transaction that creates the evaluation. Cells
(`task_results`, one row per item and alias) are the per-item checkpoint.

Runs: the create starts run 1. Adding or changing a task, and a retry, delete the cells they
make stale and start the next run (`evaluations.run_number`; workflows `{id}-r{run}-c{n}`) over
every item, in the same transaction; a chunk computes only the cells that are missing, so valid
cells are never recomputed. A chunk of an older run stops at its next write, and its late
results are dropped (`cells.is_stopped`, checked under the evaluation's row lock before every
write). Cancel sets the evaluation `failed`, which stops its chunks the same way.

Flow: a worker dequeues a chunk, reads its items and the cells already finished, runs every item
concurrently (tasks of one item in order, so later tasks read `item.<alias>`), and upserts each
cell as it finishes in small batches. The chunk then checks whether every executable cell of the
evaluation is terminal and, if so, marks the evaluation `completed`.

Failure modes: a killed process restarted with the same `YARDSTICK_WORKER_ID` gets its running
chunks back from DBOS at launch; a worker that never returns stops heart-beating and the others
re-enqueue its chunks (`recovery`). A resumed chunk skips finished cells, so at most the calls in
flight (and cells not yet flushed) are repeated, and upserts never store a cell twice. A process
told to stop (SIGTERM, SIGINT) drains instead (`drain`): its chunks commit the cells in flight and
end unfinished, to be resumed the same way, so nothing is repeated. Archiving an evaluation
cancels it: its chunks stop at their next flush.
"""
