"""The restricted namespace, checked in this process (nothing here runs user code or seals)."""

import types

import pytest

from yardstick.sandbox import guards, runtime
from yardstick.sandbox.policy import ALLOWED_MODULES


def test_every_allowed_module_is_importable_as_a_view() -> None:
    for name in ALLOWED_MODULES:
        view = runtime.restricted_import(name)
        assert isinstance(view, types.ModuleType) and view.__name__ == name
        assert view is not __import__(name)  # a copy, never the module itself


def test_views_hold_no_modules_and_nothing_mutable() -> None:
    seen = 0
    for name, view in runtime.VIEWS.items():
        for key, value in vars(view).items():
            if key.startswith("__"):
                continue
            seen += 1
            if isinstance(value, types.ModuleType):
                assert f"{name}.{key}" == "collections.abc", (name, key)
            else:
                assert callable(value) or isinstance(value, runtime._SHAREABLE), (name, key)
    assert seen > 250  # the views are not empty either
    # The real modules reach further: statistics holds sys, json holds codecs, copy a dict.
    assert not hasattr(runtime.VIEWS["statistics"], "sys")
    assert not hasattr(runtime.VIEWS["statistics"], "random")
    assert not hasattr(runtime.VIEWS["json"], "codecs")
    assert not hasattr(runtime.VIEWS["copy"], "dispatch_table")
    assert not hasattr(runtime.VIEWS["decimal"], "DefaultContext")
    assert runtime.VIEWS["datetime"].UTC is __import__("datetime").UTC


@pytest.mark.parametrize(
    "name", ["os", "sys", "subprocess", "socket", "builtins", "importlib", "json.decoder"]
)
def test_import_of_anything_else_is_a_violation(name: str) -> None:
    with pytest.raises(guards.SandboxViolation, match="is not allowed"):
        runtime.restricted_import(name)
    assert guards.take_violations()


def test_relative_and_private_imports_are_violations() -> None:
    with pytest.raises(guards.SandboxViolation):
        runtime.restricted_import("json", level=1)
    with pytest.raises(guards.SandboxViolation):
        runtime.restricted_import("json", fromlist=("_default_encoder",))
    guards.take_violations()


def test_dotted_imports_bind_like_python() -> None:
    # `import collections.abc` binds `collections`; `from collections.abc import X` reads `abc`.
    assert runtime.restricted_import("collections.abc") is runtime.VIEWS["collections"]
    assert (
        runtime.restricted_import("collections.abc", fromlist=("Mapping",))
        is runtime.VIEWS["collections.abc"]
    )


def test_getattr_refuses_what_the_source_check_refuses() -> None:
    for name in (
        "__class__",
        "__subclasses__",
        "__globals__",
        "_private",
        "gi_frame",
        "f_back",
        "mro",
    ):
        with pytest.raises(guards.SandboxViolation):
            runtime.safe_getattr((), name)
    guards.take_violations()
    assert runtime.safe_getattr("ab", "upper")() == "AB"
    assert runtime.safe_getattr("ab", "missing", 7) == 7
    assert runtime.safe_hasattr("ab", "upper") and not runtime.safe_hasattr("ab", "missing")
    with pytest.raises(guards.SandboxViolation):
        runtime.safe_hasattr((), "__class__")
    guards.take_violations()


def test_builtins_leave_out_the_dangerous_ones() -> None:
    builtins = runtime.BUILTINS
    assert builtins["__import__"] is runtime.restricted_import
    assert builtins["getattr"] is runtime.safe_getattr
    for name in (
        "open",
        "eval",
        "exec",
        "compile",
        "globals",
        "vars",
        "setattr",
        "breakpoint",
        "input",
        "__build_class__",
    ):
        with pytest.raises(guards.SandboxViolation, match="not available"):
            builtins[name]()
    guards.take_violations()
    for name in ("id", "__loader__", "__spec__", "copyright", "license"):
        assert name not in builtins
    with pytest.raises(TypeError):
        builtins["type"]("X", (), {})  # no classes from strings either
    assert builtins["type"](1) is int
    for cls in (int, type, runtime.VIEWS["collections.abc"].Mapping, runtime.VIEWS["re"].RegexFlag):
        with pytest.raises(guards.SandboxViolation):  # nor by way of a metaclass
            builtins["type"](cls)
    guards.take_violations()
    assert builtins["print"]("discarded") is None
    assert builtins["ZeroDivisionError"] is ZeroDivisionError
