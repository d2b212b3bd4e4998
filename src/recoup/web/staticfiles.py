"""Static files: whitenoise's compressed storage, compressing only what changed.

`recoup init` collects and compresses the static files once per release; `recoup serve` runs
collectstatic again at every start in case they changed. whitenoise compresses every file on
every run (with brotli installed, some ten seconds here), so the server would start that much
later each time for nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from whitenoise.storage import CompressedStaticFilesStorage


class IncrementalCompressedStaticFilesStorage(CompressedStaticFilesStorage):
    """Compresses a collected file only when its ``.gz`` twin is missing or not of its version.

    whitenoise gives a compressed file the modification time of its source, and collectstatic
    copies a changed source anew, so equal times mean the compressed copy is current.
    """

    def post_process(self, paths: dict[str, Any], dry_run: bool = False, **options: Any) -> Iterator[Any]:
        stale = {path: found for path, found in paths.items() if not self._compressed_copy_is_current(path)}
        yield from super().post_process(stale, dry_run=dry_run, **options)

    def _compressed_copy_is_current(self, path: str) -> bool:
        collected = Path(self.path(path))
        compressed = collected.with_name(collected.name + ".gz")
        try:
            return compressed.stat().st_mtime == collected.stat().st_mtime
        except FileNotFoundError:
            return False
