"""Named, independent random streams, and picking values with them."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence

import polars as pl
import pyarrow.compute as pc

__all__ = ["Rng", "pick", "pick_by_group"]


class Rng:
    """Named, independent random streams; each draw is a vectorised polars Series.

    numpy is not a dependency of recoup, so the streams use Arrow's seeded generator
    (`pyarrow.compute.random`), seeded per stream from a hash of (seed, name).
    """

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._used: set[str] = set()

    def _subseed(self, name: str) -> int:
        if name in self._used:  # a reused name would silently correlate two draws
            raise ValueError(f"random stream {name!r} drawn twice")
        self._used.add(name)
        digest = hashlib.blake2b(f"{self.seed}:{name}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "little") >> 1

    def uniform(self, name: str, n: int, low: float = 0.0, high: float = 1.0) -> pl.Series:
        values = pl.Series(name, pc.random(n, initializer=self._subseed(name)), dtype=pl.Float64)
        return values if (low, high) == (0.0, 1.0) else low + values * (high - low)

    def integers(self, name: str, n: int, low: int, high: int) -> pl.Series:
        """Uniform integers in [low, high)."""
        return (self.uniform(name, n) * (high - low)).floor().cast(pl.Int64).clip(0, high - low - 1) + low

    def normal(self, name: str, n: int, mean: float = 0.0, sd: float = 1.0) -> pl.Series:
        # Box–Muller; 1 - u keeps the logarithm finite.
        u1 = 1.0 - self.uniform(name + ".1", n)
        u2 = self.uniform(name + ".2", n)
        return mean + sd * (-2.0 * u1.log()).sqrt() * (2.0 * math.pi * u2).cos()

    def choice(self, name: str, n: int, weights: Sequence[float]) -> pl.Series:
        """Category indices drawn with the given weights."""
        total = float(sum(weights))
        cumulative = pl.Series([sum(weights[: i + 1]) / total for i in range(len(weights) - 1)], dtype=pl.Float64)
        return cumulative.search_sorted(self.uniform(name, n), side="right").cast(pl.Int64)

    def quota(self, name: str, n: int, weights: Sequence[float], at_least_one: bool = True) -> pl.Series:
        """Category indices with exact proportions (largest remainder), shuffled.

        Used where a small company must still show every category (behaviours, segments,
        countries), which independent draws would not guarantee.
        """
        total = float(sum(weights))
        exact = [n * w / total for w in weights]
        counts = [int(x) for x in exact]
        if at_least_one and n >= len(weights):
            counts = [max(1, c) for c in counts]
        while sum(counts) > n:
            counts[counts.index(max(counts))] -= 1
        by_remainder = sorted(range(len(weights)), key=lambda i: counts[i] - exact[i])
        i = 0
        while sum(counts) < n:
            counts[by_remainder[i % len(weights)]] += 1
            i += 1
        ordered = pl.Series("v", [k for k, c in enumerate(counts) for _ in range(c)], dtype=pl.Int64)
        keys = self.uniform(name, n)
        return ordered.gather(keys.arg_sort())


def pick(values: Sequence[str], index: pl.Series) -> pl.Series:
    return pl.Series(list(values), dtype=pl.String).gather(index)


def pick_by_group(
    rng: Rng, name: str, group: pl.Series, lists: Sequence[Sequence[str]], offset: pl.Series | None = None
) -> pl.Series:
    """One value per row from the list of the row's group (e.g. a first name of its culture)."""
    flat: list[str] = [v for values in lists for v in values]
    starts = pl.Series([sum(len(v) for v in lists[:i]) for i in range(len(lists))], dtype=pl.Int64).gather(group)
    sizes = pl.Series([len(v) for v in lists], dtype=pl.Int64).gather(group)
    pos = (rng.uniform(name, len(group)) * sizes).floor().cast(pl.Int64)
    if offset is not None:
        pos = pos + offset
    return pl.Series(flat, dtype=pl.String).gather(starts + pos % sizes)
