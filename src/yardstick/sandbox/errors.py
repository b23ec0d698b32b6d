"""The errors a sandboxed call can end in; `type` and `message` become the cell's task error."""

# The function raised (RecursionError included); the message is its exception, one line.
ERROR = "CustomFunctionError"
# It ran past the wall-clock (or CPU) limit; its process was killed.
TIMEOUT = "CustomFunctionTimeout"
# It asked for more memory than the address-space limit allows; its process was replaced.
MEMORY_LIMIT = "CustomFunctionMemoryLimit"
# It tried something the sandbox forbids (an import, a builtin, a file, a socket, …).
SANDBOX_VIOLATION = "CustomFunctionSandboxViolation"
# It returned something other than a number (or, with outputs, a dict holding numbers).
INVALID_RESULT = "CustomFunctionInvalidResult"
# Its process died in a way none of the above explains (a fatal error in C code).
CRASHED = "CustomFunctionCrashed"
# The sandbox could not run it at all: shut down, or a process that would not start.
UNAVAILABLE = "CustomFunctionSandboxUnavailable"

MAX_MESSAGE_CHARS = 2000


class SandboxError(Exception):
    """One call's failure. Never raised for the pool as a whole: other calls go on."""

    def __init__(self, type_: str, message: str) -> None:
        if len(message) > MAX_MESSAGE_CHARS:
            message = message[:MAX_MESSAGE_CHARS] + "…"
        super().__init__(message)
        self.type = type_
        self.message = message

    def as_dict(self) -> dict[str, str]:
        return {"type": self.type, "message": self.message}
