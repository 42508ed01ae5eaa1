"""A voice artist's takes, held to what a phone line needs before `recordings make` accepts them:
a real recording (at least telephone sample rate), loud enough to be heard over a phone line and
not clipped, with no long silence at either end (a late start, a take left running). sox measures.

The thresholds are this project's, set for speech played down a telephone line: the take is
converted to 8 kHz u-law, and a voice that is quiet or starts late sounds to a caller like a dead
line.
"""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

LOWEST_RATE = 8000          # Hz: the telephone's own; anything less has lost speech already
QUIETEST_RMS = -35.0        # dBFS: quieter than this, speech is lost under the line's noise
CLIPPED_PEAK = -0.1         # dBFS: a peak at full scale means the take was clipped
LONGEST_SILENCE = 1.0       # seconds of silence allowed at the start or at the end
SILENT = "1%"               # sox's threshold for silence (about -40 dBFS)


def _stats(path: Path, *effects: str) -> dict[str, float]:
    result = subprocess.run(["sox", str(path), "-n", *effects, "stats"], capture_output=True, text=True)
    if result.returncode != 0:
        raise ValueError(result.stderr.strip() or "sox could not read it")
    found = {}
    for line in result.stderr.splitlines():
        match = re.match(r"(RMS lev dB|Pk lev dB|Length s)\s+(-?[0-9.]+|-inf)", line.strip())
        if match:
            found[match.group(1)] = float("-inf") if match.group(2) == "-inf" else float(match.group(2))
    return found


def problems(path: Path) -> list[str]:
    """Why a take is refused, in words for the person who recorded it (none: accepted)."""
    rate = subprocess.run(["sox", "--i", "-r", str(path)], capture_output=True, text=True)
    if rate.returncode != 0:
        return [f"is not audio sox can read ({rate.stderr.strip() or 'unknown format'})"]
    found = []
    if float(rate.stdout.strip() or 0) < LOWEST_RATE:
        found.append(f"its sample rate is {rate.stdout.strip()} Hz, below the telephone's {LOWEST_RATE}")
    try:
        whole = _stats(path)
        after_start = _stats(path, "silence", "1", "0.05", SILENT)
        after_end = _stats(path, "reverse", "silence", "1", "0.05", SILENT)
    except ValueError as error:
        return found + [f"could not be measured ({error})"]
    length = whole.get("Length s", 0.0)
    if whole.get("RMS lev dB", float("-inf")) < QUIETEST_RMS:
        found.append(f"is too quiet: {whole.get('RMS lev dB'):.1f} dBFS RMS, at least {QUIETEST_RMS:g} needed "
                     "(record closer to the microphone, or raise the input level)")
    if whole.get("Pk lev dB", float("-inf")) >= CLIPPED_PEAK:
        found.append("is clipped (its peaks reach full scale): record it again a little quieter")
    if after_start.get("Length s", 0.0) <= 0.05:
        return found   # nothing above the silence threshold: "too quiet" says it all
    for where, trimmed in (("start", after_start), ("end", after_end)):
        silence = length - trimmed.get("Length s", 0.0)
        if silence > LONGEST_SILENCE:
            found.append(f"has {silence:.1f} s of silence at the {where}, more than {LONGEST_SILENCE:g} s "
                         "(trim it, or check it is the right take)")
    return found
