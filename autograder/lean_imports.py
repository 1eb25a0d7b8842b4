"""What the commands do before they import nbgrader: leave out what they never use.

Only the commands' entry points (``autograder`` and ``python -m autograder.grading``) call it, first
thing: it changes what later imports in the process find.
"""

from __future__ import annotations

import sys


def skip_iri_grammars() -> None:
    """Keep jsonschema from building the grammars of the IRI formats.

    nbgrader imports nbformat, which imports jsonschema, which on import builds the Lark grammars
    of rfc3987-syntax for the "iri" and "iri-reference" formats: dozens of parsers, the longest
    wait of a command's start. No notebook schema uses those formats and the commands never
    check an IRI: marked as absent, the module is not imported and jsonschema leaves the two
    formats unchecked. It must run before nbformat is first imported.
    """
    sys.modules.setdefault("rfc3987_syntax", None)
