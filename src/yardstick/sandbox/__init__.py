"""Running untrusted Python (custom functions) in a pool of locked-down processes.

Objects and flow: the engine's `custom_function` task and the dry-run route await
`get_sandbox().call(source, kwargs, outputs=…)` (`pool`). The pool hands the call to a thread that
owns one sandbox process (`worker`) and sends it the call over a pipe as JSON. The process
(`child`) was started with `spawn`, imported the allowed modules, then sealed itself (`guards`:
rlimits on CPU, address space, file size and processes, `nobody` instead of root, an audit hook
refusing files, sockets, subprocesses and real imports). It checks the source again (`source`),
compiles it once per source hash, and runs it in a fresh restricted namespace (`runtime`): views
of the allowed modules (`policy`) and a few safe builtins. Its return value is checked and shaped
(`results`) in the process and checked again in the server.

Failure modes (`errors`, one per call, never for the pool): an exception in the function, a
timeout (the process is killed), running out of memory, a forbidden action, a result that is not
a number, and a process that died; the process behind any of those but a plain exception or a
bad result is replaced before its next call.

Only sandbox processes import `runtime` (which loads the allowed modules), and this package's
`__init__` imports nothing, so a sandbox process starts without loading the server.
"""
