"""nbgrader preprocessors of the course, named in ``nbgrader_config.py``.

:class:`OverwriteCellsQuietly` is nbgrader's ``OverwriteCells`` without its false alarms. A test
cell with hidden tests is saved in the gradebook with them and released without them, so its
checksum in the gradebook never matches the released cell's: nbgrader's own ``OverwriteCells``
then logs "Checksum for grade cell ... has changed!" for every such cell of every notebook,
edited or not (nine per notebook of this course, thousands for a class), and real edits drown
in them. This class restores the cells exactly as nbgrader does (the gradebook's source,
hidden tests included, replaces the student's), and warns only about cells the student did
change: those whose source no longer matches the checksum the release wrote into the cell.
"""

from __future__ import annotations

from nbgrader import utils
from nbgrader.preprocessors import OverwriteCells


class OverwriteCellsQuietly(OverwriteCells):
    """``OverwriteCells`` that reports a changed checksum only for cells edited since release."""

    _unedited = False

    def preprocess_cell(self, cell, resources, cell_index):
        released = cell.metadata.get("nbgrader", {}).get("checksum")
        self._unedited = bool(released) and utils.compute_checksum(cell) == released
        return super().preprocess_cell(cell, resources, cell_index)

    def report_change(self, name: str, attr: str, old: object, new: object) -> None:
        if attr == "checksum" and self._unedited:
            self.log.debug("Cell %s as released: its hidden tests are restored", name)
            return
        super().report_change(name, attr, old, new)
