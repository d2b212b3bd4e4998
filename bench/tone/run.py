"""Benchmark: the tone check (C13) on typical collector notes.

Budget (issue #6): under 1 ms per typical note. Timed against a straightforward baseline in the
same run: one case-insensitive search for a flat list of trigger words (what a first attempt
would do, with none of the context rules), and ``check`` with the per-rule word prefilter off
(every rule's pattern run on every note), to show what the prefilter buys.

    .venv/bin/python bench/tone/run.py [--repeat 2000] [--out bench/results/tone.json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from bench.machine import describe  # noqa: E402
from recoup.activities import tone  # noqa: E402
from recoup.activities.tone import matching  # noqa: E402

NOTES = [
    "Spoke to Jane in AP. She says INV-1042 was approved last week and payment is scheduled for Friday; "
    "INV-1077 is on hold because the delivery note is missing. I will send a copy of the POD today and call "
    "back on Monday to confirm the date. Customer was polite, asked about the late fee; I said I would ask my manager.",
    "No answer, left voicemail with the invoice numbers and my direct line.",
    "Customer promised to pay USD 4,250.00 on 28 Nov for INV-2001 and INV-2002. Confirmation e-mail sent.",
    "Disputes INV-3310: says 2 pallets arrived damaged. Opened dispute, owner: logistics. Will chase the claim form.",
    "Wrong contact: Bob left the company. New AP contact is accounts@example.com, phone to follow.",
    "Cash flow is tight until their customer pays; proposed 3 instalments, needs senior approval above 2.",
    "Called twice, no answer. Stop ignoring our calls!! We will take legal action if this is not paid.",
    "Customer asked whether we can waive the fee. I promise we will waive the late fee if you pay today.",
]


def _time(fn: Any, text: str, repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        fn(text)
    return (time.perf_counter() - start) / repeat


def _no_prefilter(text: str) -> None:
    scan = matching._normalise(text)
    for c in matching._COMPILED:
        list(c.regex.finditer(scan))


_BASELINE = re.compile(
    r"\b(?:sue|legal|garnish|credit|else|last chance|people|idiot|liar|deadbeat|stupid|promise|guarantee|waive|interest|must|"
    r"demand|ignoring|excuses)\b",
    re.IGNORECASE,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=2000)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "tone.json"))
    args = parser.parse_args()
    rows = []
    for note in NOTES:
        check = _time(tone.check, note, args.repeat)
        rows.append(
            {
                "chars": len(note),
                "flags": len(tone.check(note)),
                "check_us": round(check * 1e6, 1),
                "check_without_prefilter_us": round(_time(_no_prefilter, note, args.repeat) * 1e6, 1),
                "baseline_keyword_search_us": round(_time(lambda t: _BASELINE.findall(t), note, args.repeat) * 1e6, 1),
            }
        )
    worst = max(r["check_us"] for r in rows)
    result = {
        "benchmark": "tone",
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": describe(),
        "rules": len(tone.RULES),
        "notes": rows,
        "check_us_median": statistics.median(r["check_us"] for r in rows),
        "check_us_max": worst,
        "budget_us": 1000,
        "within_budget": worst < 1000,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k not in ("machine", "notes")}, indent=2))
    for r in rows:
        print(r)


if __name__ == "__main__":
    main()
