"""Write the manifest that the Sign Language Digits archive is verified against.

Run once, on the genuine archive, whenever the pinned commit changes::

    python -m nnlib.datasets.manifest Sign-Language-Digits-Dataset-<commit>.zip
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

from nnlib.datasets.sign_digits import MANIFEST_PATH, SIGN_DIGITS_ZIP


def make_manifest(zip_path: Path) -> dict:
    """Return the manifest of an archive: its top folder and each file's CRC-32 (hex)."""
    with zipfile.ZipFile(zip_path) as archive:
        files = [info for info in archive.infolist() if not info.is_dir()]
    root = files[0].filename.split("/")[0] + "/"
    return {
        "archive": SIGN_DIGITS_ZIP,
        "root": root,
        "members": {info.filename[len(root) :]: f"{info.CRC:08x}" for info in files},
    }


def main(argv: list[str]) -> int:
    """Write the manifest of the archive ``argv[0]`` to ``nnlib/data``."""
    if len(argv) != 1:
        print("usage: python -m nnlib.datasets.manifest GENUINE-ARCHIVE.zip", file=sys.stderr)
        return 2
    manifest = make_manifest(Path(argv[0]))
    MANIFEST_PATH.write_text(json.dumps(manifest, indent=0, sort_keys=True) + "\n", "utf-8")
    print(f"wrote {MANIFEST_PATH} ({len(manifest['members'])} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
