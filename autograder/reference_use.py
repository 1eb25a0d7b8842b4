"""Detect a student function that calls the reference (nnlib), the autograder, or another library.

A student earns nothing for a function that hands its work to ``nnlib.activations.relu_forward``,
to the autograder's own reference, or to a library other than NumPy (``scipy.special.expit``,
``torch.softmax``, scikit-learn): the exercises are NumPy only. Two complementary tests:

* :func:`uses_reference` looks at the function before it runs: the names its code (and the code
  of functions nested in it) refers to, resolved in its globals and closure, and any
  ``import nnlib`` inside it.
* :class:`ReferenceWatch` looks while it runs: a profile hook records every call into a file of
  the ``nnlib`` or ``autograder`` packages made directly from code outside them, which catches
  indirect routes such as a helper function or ``getattr(module, name)``.

Callbacks that a check itself hands to the student's function (such as the function ``f`` given
to ``numerical_gradient``) live in the autograder's files; marked with
:func:`autograder.boundary.callback`, or passed to :meth:`ReferenceWatch.allow`, their code is
exempt.
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
import types
from collections.abc import Callable
from typing import Any

from autograder.boundary import CALLBACK_CODES, code_objects

#: Packages a student's function must not call: the reference and the autograder.
PROTECTED = ("nnlib", "autograder")
#: Libraries that would do the graded math for the student (the exercises are NumPy only).
FOREIGN = ("scipy", "sklearn", "torch", "jax", "tensorflow", "keras")
FORBIDDEN = PROTECTED + FOREIGN


@functools.cache
def _package_dirs() -> tuple[str, ...]:
    """The folders of the forbidden packages (the foreign ones only where they are installed)."""
    import importlib.util

    # this package's folder, found without importing the package (which imports this module)
    dirs = [os.path.dirname(os.path.abspath(__file__)) + os.sep]
    for name in ("nnlib", *FOREIGN):
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        for location in (spec.submodule_search_locations or []) if spec else []:
            dirs.append(os.path.abspath(location) + os.sep)
    return tuple(dirs)


def _owned_by_python(value: Any) -> bool:
    """Whether a callable without ``__module__`` is a method of a type outside the foreign
    libraries, such as ``tuple.__new__`` or ``type.__instancecheck__`` that PyTorch keeps under
    names of its own: calling it is not calling the library."""
    owner = getattr(value, "__objclass__", None) or getattr(value, "__self__", None)
    if owner is None:
        return False  # a ufunc such as ``scipy.special.expit``
    owner_type = owner if isinstance(owner, type) else type(owner)
    return owner_type.__module__.split(".")[0] not in FOREIGN


#: The last :func:`_foreign_objects`, and the size of ``sys.modules`` it was built for.
_FOREIGN_CACHE: tuple[int, dict[int, str]] = (-1, {})


def _foreign_objects() -> dict[int, str]:
    """The callables of the foreign libraries already imported, by id: ``from scipy.special
    import expit`` gives a NumPy ufunc whose ``__module__`` does not say where it comes from.

    Built again only when a module was imported since the last call: with PyTorch loaded it
    walks thousands of modules, and every case of every check asks.
    """
    global _FOREIGN_CACHE
    loaded = len(sys.modules)
    if _FOREIGN_CACHE[0] == loaded:
        return _FOREIGN_CACHE[1]
    found: dict[int, str] = {}
    for module_name, module in list(sys.modules.items()):
        if module is None or module_name.split(".")[0] not in FOREIGN:
            continue
        for attr, value in list(vars(module).items()):
            if not callable(value) or isinstance(value, type | types.ModuleType):
                continue
            # only the library's own functions: it also holds NumPy's, imported from NumPy
            origin = getattr(value, "__module__", None)
            if origin is None and _owned_by_python(value):
                continue  # ``tuple.__new__`` kept under another name: Python's, not the library's
            if origin is None or origin.split(".")[0] in FOREIGN:
                found.setdefault(id(value), f"{module_name}.{attr}")
    _FOREIGN_CACHE = (loaded, found)
    return found


def _protected_name(module_name: str | None) -> bool:
    if not module_name:
        return False
    root = module_name.split(".")[0]
    return root in FORBIDDEN


def _describe(obj: Any) -> str | None:
    """Return ``"nnlib.activations.relu_forward"`` if ``obj`` belongs to a protected package."""
    if isinstance(obj, types.ModuleType):
        return obj.__name__ if _protected_name(obj.__name__) else None
    module = getattr(obj, "__module__", None)
    if isinstance(module, str) and _protected_name(module):
        name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
        return f"{module}.{name}" if name else module
    return None


def uses_reference(fn: Callable, _seen: set[int] | None = None) -> str | None:
    """Return what ``fn`` refers to in nnlib or the autograder, or None if it refers to neither.

    Functions of the student's own that ``fn`` calls are followed too, so that a helper cannot
    hide the call.

    Parameters
    ----------
    fn : callable
        The student's function.

    Returns
    -------
    str or None
        A dotted name such as ``"nnlib.activations.relu_forward"``, or None.
    """
    seen = set() if _seen is None else _seen
    if id(fn) in seen:
        return None
    seen.add(id(fn))
    direct = _describe(fn)
    if direct is not None:
        return direct
    fn = inspect.unwrap(fn) if callable(fn) else fn
    code = getattr(fn, "__code__", None)
    if code is None:
        return None
    namespace = dict(getattr(fn, "__globals__", {}) or {})
    foreign = _foreign_objects()
    for cell_name, cell in zip(
        code.co_freevars, getattr(fn, "__closure__", None) or (), strict=False
    ):
        try:
            namespace[cell_name] = cell.cell_contents
        except ValueError:  # an empty cell
            continue
    for sub in code_objects(code):
        for name in sub.co_names + sub.co_freevars:
            if name.split(".")[0] in FORBIDDEN and name not in namespace:
                return name  # ``import nnlib`` or ``from nnlib.x import y`` inside the function
            if name not in namespace:
                continue
            value = namespace[name]
            found = _describe(value) or foreign.get(id(value))
            if found is not None:
                return found
            if isinstance(value, types.FunctionType) and not _protected_name(value.__module__):
                found = uses_reference(value, seen)
                if found is not None:
                    return found
    return None


class ReferenceWatch:
    """Context manager that records calls into nnlib or the autograder from other code.

    Examples
    --------
    >>> with ReferenceWatch() as watch:  # doctest: +SKIP
    ...     student_fn(x)
    >>> watch.offence  # doctest: +SKIP
    'nnlib.activations.relu_forward'
    """

    def __init__(self) -> None:
        self.offence: str | None = None
        self._allowed: set[types.CodeType] = set()
        self._dirs = _package_dirs()
        self._foreign: dict[int, str] = {}
        self._previous: Any = None
        self._protected: dict[str, bool] = {}

    def allow(self, fn: Callable) -> Callable:
        """Exempt a callback the check hands to the student's function; return it unchanged."""
        code = getattr(fn, "__code__", None)
        if code is not None:
            self._allowed.update(code_objects(code))
        return fn

    def _protected_file(self, filename: str) -> bool:
        # asked on every call the watched code makes: each file name is resolved once
        known = self._protected.get(filename)
        if known is None:
            known = self._protected[filename] = os.path.abspath(filename).startswith(self._dirs)
        return known

    def _hook(self, frame: types.FrameType, event: str, arg: Any) -> None:
        if self.offence is not None:
            return
        if event == "call":
            callee, caller = frame.f_code, frame.f_back
            if callee in self._allowed or callee in CALLBACK_CODES or caller is None:
                return
            if self._protected_file(callee.co_filename) and not self._protected_file(
                caller.f_code.co_filename
            ):
                module = frame.f_globals.get("__name__", "?")
                self.offence = f"{module}.{getattr(callee, 'co_qualname', callee.co_name)}"
        elif event == "c_call":
            caller = frame
            if self._protected_file(caller.f_code.co_filename) or caller.f_code in self._allowed:
                return
            described = _describe(arg) or self._foreign.get(id(arg))
            if described is not None:
                self.offence = described

    def __enter__(self) -> ReferenceWatch:
        self._foreign = _foreign_objects()
        self._previous = sys.getprofile()
        sys.setprofile(self._hook)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.setprofile(self._previous)


def reference_message(function_name: str, offence: str) -> str:
    """The message for a function that calls the reference instead of computing its answer."""
    return (
        f"{function_name} calls {offence} instead of computing its answer: "
        "write it with NumPy only; this function earns no points"
    )
