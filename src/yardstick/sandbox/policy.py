"""What sandboxed code may touch: the importable modules, attribute names and audit events.

One list, read by three layers: the source check (`source`, at create time and again in the
sandbox process), the restricted runtime (`runtime`: import, getattr) and the audit hook
(`guards`). Plain data and predicates only, so the server can import it cheaply.
"""

# The modules a custom function may import, inside its body. Pure computation only: none of them
# reads files, opens sockets or starts processes, and each is handed over as a filtered view.
ALLOWED_MODULES = frozenset(
    {
        "math",
        "json",
        "re",
        "collections",
        "itertools",
        "functools",
        "statistics",
        "decimal",
        "fractions",
        "datetime",
        "copy",
        "textwrap",
        "difflib",
        "unicodedata",
    }
)
# Submodules of allowed modules that are themselves importable (`from collections.abc import …`).
ALLOWED_SUBMODULES = frozenset({"collections.abc"})

# Attributes that lead from an ordinary object to the interpreter's internals: frames (and through
# them every global of the process), code objects, a generator's running frame. Every dunder and
# `_private` name is refused as well (see `attribute_allowed`), which covers `__class__`,
# `__subclasses__`, `__globals__`, `__builtins__` and the modules' `_os`-style imports.
FORBIDDEN_ATTRIBUTES = frozenset(
    {
        "gi_frame", "gi_code", "gi_yieldfrom",
        "cr_frame", "cr_code", "cr_await", "cr_origin",
        "ag_frame", "ag_code", "ag_await",
        "tb_frame", "tb_next",
        "f_back", "f_builtins", "f_code", "f_globals", "f_locals", "f_trace",
        "co_code", "co_consts", "co_names",
        "mro",
        # `collections.abc.Mapping.register(list)` would change isinstance() for every later
        # call in the same process, other accounts' included.
        "register",
    }
)  # fmt: skip

# Public members of allowed modules that are left out of their views: each reads or writes
# attributes by names it is given at run time, out of the source check's sight.
# `update_wrapper(f, json.dumps, updated=("__globals__",))` copied a module's globals into the
# function's own, and back into the harness's, which switched the audit hook off.
HIDDEN_MEMBERS = frozenset(
    {"functools.update_wrapper", "functools.wraps", "functools.total_ordering"}
)

# Methods whose format strings read attributes in C (`"{0.__globals__}".format(f)`): the
# function's `x.format` and `x.format_map` go through `runtime.string_method` instead, which
# checks every attribute a field names like `getattr` does.
FORMAT_METHODS = frozenset({"format", "format_map"})

# Builtins that are left out of the sandbox on purpose; naming one says so instead of a bare
# NameError. (`__import__` is replaced by an allow-list import, `type` by its one-argument form.)
BLOCKED_BUILTINS = frozenset(
    {
        "open", "eval", "exec", "compile", "input", "breakpoint", "help", "exit", "quit",
        "globals", "locals", "vars", "dir", "setattr", "delattr", "memoryview", "super",
        "classmethod", "staticmethod", "property", "__build_class__",
    }
)  # fmt: skip

# Audit events (sys.addaudithook) refused in a sealed sandbox process, by exact name or by the
# prefix before the first dot. Unreachable from user code through the layers above; the hook is
# the last line, in C-level code paths included (a socket created anywhere is refused).
BLOCKED_EVENTS = frozenset(
    {
        "open", "import", "object.__getattr__", "code.__new__", "function.__new__",
        "sys.addaudithook", "sys.settrace", "sys.setprofile", "sys._current_frames",
        "sys.setrecursionlimit", "builtins.input", "builtins.breakpoint", "pty.spawn",
        "resource.setrlimit", "resource.prlimit", "signal.pthread_kill",
    }
)  # fmt: skip
BLOCKED_EVENT_PREFIXES = frozenset(
    {
        "os", "socket", "subprocess", "shutil", "ctypes", "_ctypes", "mmap", "gc", "marshal",
        "pickle", "urllib", "http", "ftplib", "smtplib", "poplib", "imaplib", "nntplib",
        "telnetlib", "webbrowser", "sqlite3", "winreg", "msvcrt", "cpython", "glob", "tempfile",
        "fcntl", "syslog", "socketserver", "shelve", "dbm",
    }
)  # fmt: skip


def module_allowed(name: str) -> bool:
    """`name` (dotted, as in an import statement) may be imported by a custom function."""
    return name in ALLOWED_MODULES or name in ALLOWED_SUBMODULES


def attribute_allowed(name: str) -> bool:
    """`obj.name` may be read by a custom function (statically or through `getattr`)."""
    return not name.startswith("_") and name not in FORBIDDEN_ATTRIBUTES


def event_blocked(event: str) -> bool:
    return event in BLOCKED_EVENTS or event.split(".", 1)[0] in BLOCKED_EVENT_PREFIXES


def allowed_list() -> str:
    return ", ".join(sorted(ALLOWED_MODULES))
