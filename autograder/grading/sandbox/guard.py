"""In the sandbox, no code runs but the notebook's cells and the installed libraries.

The runner compiles every cell before any of them runs, then calls :func:`install`, which adds
an audit hook (:pep:`578`: the interpreter calls it at every audited event, in every thread,
and nothing can remove it) that refuses what would run code from anywhere else:

* compiling source at run time (``exec`` or ``eval`` of a string, ``compile``), unless it is a
  file of the read-only Python installation being imported, text that ``ast.parse`` only
  parses, a ``namedtuple``'s one-line constructor, or the methods a ``dataclass`` generates
  (from an unaltered :mod:`dataclasses` and fields whose names are identifiers);
* code objects made or read at run time (``types.CodeType``, ``code.replace``,
  ``marshal.loads``): imports read the installation's sources instead of its cached bytecode;
* native code loaded from anywhere but the installation, the modules the sandbox hides
  (:data:`~autograder.grading.sandbox.libraries.HIDDEN_STDLIB`), and the tools that reach into
  the runner (``sys.settrace``, ``sys.setprofile``, ``gc``'s lists of objects,
  ``sys._current_frames``);
* other programs: ``os.exec*``, ``os.posix_spawn``, ``os.system``, ``subprocess``; and
  ``_posixsubprocess.fork_exec``, which starts them without an audit event, is replaced.

A refusal raises :class:`Refused` where the notebook asked, and the source it tried to run is
kept (:func:`refused`) for the similarity report: a function decoded from a base64 string never
exists, and the grader shows what it was. Nothing the hook decides depends on a value student
code can change: it holds its own references to what it uses, looks only at objects of exact
built-in types, and runs no method of an object the notebook made.

It needs only the standard library: the sandbox receives it as a file beside the runner.
"""

from __future__ import annotations

import _thread
import ast
import dataclasses
import os
import re
import sys
from collections.abc import Callable

#: The events refused outright once the hook is installed.
ALWAYS_REFUSED = frozenset(
    {
        "code.__new__",
        "marshal.loads",
        "marshal.load",
        "sys.settrace",
        "sys.setprofile",
        "sys._current_frames",
        "gc.get_objects",
        "gc.get_referrers",
        "gc.get_referents",
        "os.exec",
        "os.posix_spawn",
        "os.spawn",
        "os.system",
        "os.startfile",
        "os.unshare",
        "os.setns",
        "subprocess.Popen",
        "cpython.PyInterpreterState_New",
    }
)
#: Extension modules never loaded once the hook is installed, whatever their path: the hidden
#: ones, and a second copy of the one that starts programs.
REFUSED_MODULES = frozenset(
    {
        "ctypes",
        "_ctypes",
        "_ctypes_test",
        "_testcapi",
        "_testinternalcapi",
        "_testbuffer",
        "_testclinic",
        "_testimportmultiple",
        "_testmultiphase",
        "_testsinglephase",
        "_xxsubinterpreters",
        "_xxinterpchannels",
        "_xxinterpqueues",
        "_interpreters",
        "_interpchannels",
        "_interpqueues",
        "_xxtestfuzz",
        "_posixsubprocess",
    }
)
#: Most characters of refused source kept for the grader, in all.
REFUSED_CHARS = 64_000

#: A namedtuple's constructor, the only code ``collections.namedtuple`` compiles.
_NAMEDTUPLE = re.compile(
    r"lambda _cls, (?P<args>(?:[^\W\d]\w*(?:, [^\W\d]\w*)*)?): _tuple_new\(_cls, \((?P=args)\)\)"
)


class Refused(RuntimeError):
    """The sandbox refused to run code that is not in the notebook's cells."""


_REFUSED: list[str] = []


def refused() -> list[str]:
    """The sources the notebook tried to run and the sandbox refused, oldest first."""
    return list(_REFUSED)


def _compile_rule(prefixes: tuple[str, ...], require_read_only_mount: bool) -> Callable:
    """``compile_allowed(source, filename)``: whether a compile event is the installation's own
    (a read-only file's module being imported, a named tuple's or a dataclass's generated
    template, ``ast.parse``), everything it uses held in its closure (see :func:`install`)."""
    getframe = sys._getframe
    os_open, os_read, os_close, fstatvfs = os.open, os.read, os.close, os.fstatvfs
    read_only_flag, o_rdonly = os.ST_RDONLY, os.O_RDONLY
    str_type, bytes_type, int_type, dict_type = str, bytes, int, dict
    function_type, type_of, id_of, len_of, list_of = type(install), type, id, len, list
    os_error = OSError
    namedtuple_source = _NAMEDTUPLE.fullmatch
    parse_code, ast_globals, only_ast = ast.parse.__code__, vars(ast), ast.PyCF_ONLY_AST
    generators = (getattr(dataclasses, "_create_fn", None),)
    generators += (getattr(getattr(dataclasses, "_FuncBuilder", None), "add_fns_to_class", None),)
    dataclass_codes = frozenset(f.__code__ for f in generators if f is not None)
    process_class = dataclasses._process_class.__code__
    dataclass_globals = vars(dataclasses)

    def snapshot(namespace: dict) -> list:
        """Every global of a module, and each function's code, defaults and closure: what
        its code generation depends on, to tell a module that student code altered."""
        items = []
        for value in list_of(namespace.values()):
            items.append(id_of(value))
            if type_of(value) is function_type:
                items.append(id_of(value.__code__))
                items.append(id_of(value.__defaults__))
                items.append(id_of(value.__kwdefaults__))
                for cell in value.__closure__ or ():
                    items.append(id_of(cell.cell_contents))
        return items

    dataclass_state = snapshot(dataclass_globals)

    def file_holds(filename, source) -> bool:
        """Whether ``source`` is the bytes of the read-only file ``filename``."""
        if type_of(filename) is not str_type or type_of(source) is not bytes_type:
            return False
        if "/../" in filename or not filename.startswith(prefixes):
            return False
        try:
            fd = os_open(filename, o_rdonly)
        except os_error:
            return False
        try:
            if require_read_only_mount and not fstatvfs(fd).f_flag & read_only_flag:
                return False
            chunks, size = [], 0
            while size <= len_of(source):
                chunk = os_read(fd, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len_of(chunk)
            return b"".join(chunks) == source
        finally:
            os_close(fd)

    def fields_are_names(frame) -> bool:
        """Whether the dataclass being made (by ``_process_class``, up the stack) has fields
        named by identifiers only, so that what is generated from them is the template."""
        while frame is not None:
            if frame.f_code is process_class:
                fields = frame.f_locals.get("fields")
                if type_of(fields) is not dict_type:
                    return False
                for name in list_of(fields):
                    if type_of(name) is not str_type or not name.isidentifier():
                        return False
                return True
            frame = frame.f_back
        return False

    def compile_allowed(source, filename) -> bool:
        if file_holds(filename, source):
            return True  # a module of the installation, being imported
        text = source.decode("utf-8", "replace") if type_of(source) is bytes_type else source
        if type_of(text) is str_type and namedtuple_source(text):
            return True
        caller = getframe(2)  # 0: this function, 1: the hook, 2: what called compile
        if caller.f_code is parse_code:
            # ast.parse only parses, with its own flag
            flag = ast_globals.get("PyCF_ONLY_AST")
            return (
                caller.f_globals is ast_globals and type_of(flag) is int_type and flag == only_ast
            )
        if caller.f_code in dataclass_codes:
            return (
                caller.f_globals is dataclass_globals
                and snapshot(dataclass_globals) == dataclass_state
                and fields_are_names(caller)
            )
        return False

    return compile_allowed


def install(read_only: tuple[str, ...], require_read_only_mount: bool = True) -> None:
    """Refuse, from now on, every way of running code that is neither a cell compiled so far
    nor a file under the ``read_only`` folders (prefixes ending with ``/``).

    ``require_read_only_mount``: a file's source counts only where its file system is read-only
    (the sandbox's bind mounts), so that a file the notebook wrote cannot pass as the
    installation's.
    """
    # Everything the hook uses is held here, in its closure: a module's globals or the builtins
    # can be replaced by student code, and a helper that looked them up at call time would run
    # whatever was put there, inside the hook.
    busy: set[int] = set()
    get_ident = _thread.get_ident
    str_type, bytes_type, type_of, len_of = str, bytes, type, len
    refusal = Refused
    refused_events, refused_modules = ALWAYS_REFUSED, REFUSED_MODULES
    prefixes = tuple(read_only)
    compile_allowed = _compile_rule(prefixes, require_read_only_mount)
    record, kept_chars, limit = _REFUSED.append, [0], REFUSED_CHARS

    def keep(source) -> None:
        if type_of(source) is bytes_type:
            text = source.decode("utf-8", "replace")
        elif type_of(source) is str_type:
            text = source
        else:
            text = "<a syntax tree compiled at run time>"
        room = limit - kept_chars[0]
        if room > 0:
            record(text[:room])
            kept_chars[0] += len_of(text[:room])

    def hook(event, args):
        if not (
            event in refused_events
            or event == "compile"
            or event == "import"
            or event.startswith("ctypes.")
        ):
            return
        ident = get_ident()
        if ident in busy:
            return  # the hook's own reads and frame lookups
        busy.add(ident)
        try:
            if event == "compile":
                if compile_allowed(args[0], args[1]):
                    return
                keep(args[0])
                raise refusal(
                    "compiling code at run time is refused while grading: only the notebook's"
                    " cells run (exec or eval of a string, compile)"
                )
            if event == "import":
                name, path = args[0], args[1]
                if type_of(name) is not str_type or name.partition(".")[0] in refused_modules:
                    raise refusal("this module is not available while grading")
                if path is not None and not (
                    type_of(path) is str_type and "/../" not in path and path.startswith(prefixes)
                ):
                    raise refusal("native code from outside the installation cannot be loaded")
                return
            raise refusal(f"{event} is not available while grading")
        finally:
            busy.discard(ident)

    # every built-in module is made now, so that none need be made again (a second
    # _posixsubprocess would start programs): making one is refused from here on
    import _imp
    import _posixsubprocess

    for name in sys.builtin_module_names:
        try:
            __import__(name)
        except ImportError:
            pass

    def refuse_program(*args, **kwargs):
        raise Refused("starting programs is not available while grading")

    def refuse_builtin(*args, **kwargs):
        raise Refused("built-in modules cannot be made again while grading")

    _posixsubprocess.fork_exec = refuse_program
    _imp.create_builtin = refuse_builtin
    # imports read the installation's sources (checked) instead of its cached bytecode
    # (unmarshalled: refused)
    sys.pycache_prefix = "/nonexistent-bytecode-cache"
    sys.addaudithook(hook)
