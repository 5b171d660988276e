#!/usr/bin/env python3
"""Score callint's default rule packs on the held-out evaluation set.

Usage:
    python3 tests/eval/score.py [--callint PATH] [--tsv tests/eval/heldout.tsv] [-v]
        [--packs service,order9,complaint,privacy]
        [-- extra callint check arguments, e.g. --no-default-rules --rules rules/order9.yaml]

heldout.tsv has one utterance a line: role<TAB>text<TAB>expected, where
expected is the rule id the utterance must produce, or `-` when it is
compliant and must produce no finding at all. Lines starting with `#` and
empty lines are skipped.

Each row is sent to `callint check --format jsonl` as its own one-utterance
call (call_id = its line number), so context from other rows cannot leak in.
Only the utterance-level packs are selected (--packs, passed as --select):
call-level rules (greetings, closings, ...) would fire on every
one-utterance call and say nothing about these rows.

Reported:
  recall     violations whose expected rule fired / violations
  fp-rate    compliant rows with any finding / compliant rows
  precision  rows with findings that are correct / rows with findings
             (a finding on a violation row counts as correct when the
             expected rule is among the findings)
  extra      violation rows that also produced an unexpected rule (informative)
Per-pack recall and the list of misses are printed with -v.
"""
import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def load(tsv):
    rows = []
    with open(tsv, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 3:
                sys.exit(f"{tsv}:{n}: expected 3 tab-separated columns, got {len(parts)}")
            role, text, expected = parts
            if role not in ("agent", "customer"):
                sys.exit(f"{tsv}:{n}: role must be agent or customer, got {role!r}")
            rows.append((n, role, text, expected))
    return rows


def run(callint, rows, extra, packs):
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
        for n, role, text, _ in rows:
            call = {"call_id": str(n), "utterances": [{"role": role, "text": text}]}
            f.write(json.dumps(call, ensure_ascii=False) + "\n")
        path = f.name
    try:
        select = ["--select", packs] if packs else []
        cmd = [callint, "check", "--format", "jsonl", "--exit-zero", "-q", *select, *extra, path]
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"{' '.join(cmd)} exited {out.returncode}:\n{out.stderr}")
    finally:
        os.unlink(path)
    found = collections.defaultdict(set)
    for line in out.stdout.splitlines():
        if line.strip():
            rec = json.loads(line)
            found[rec["call_id"]].add(rec["rule"])
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--callint", default=os.path.join(ROOT, "target", "release", "callint"))
    ap.add_argument("--tsv", default=os.path.join(HERE, "heldout.tsv"))
    ap.add_argument("--packs", default="service,order9,complaint,privacy",
                    help="rule packs to run (callint --select); empty for all loaded rules")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("extra", nargs="*", help="extra arguments for callint check (after --)")
    args = ap.parse_args()

    rows = load(args.tsv)
    found = run(args.callint, rows, args.extra, args.packs)

    tp = fn = fp = tn = extra = 0
    per_pack = collections.defaultdict(lambda: [0, 0])
    misses = []
    for n, role, text, expected in rows:
        got = found.get(str(n), set())
        if expected == "-":
            if got:
                fp += 1
                misses.append(f"FP  line {n}: {text}  -> {sorted(got)}")
            else:
                tn += 1
            continue
        pack = expected.split("-")[0]
        per_pack[pack][1] += 1
        if expected in got:
            tp += 1
            per_pack[pack][0] += 1
            if len(got) > 1:
                extra += 1
                if args.verbose:
                    misses.append(f"EXTRA line {n}: {text}  -> {sorted(got)}")
        else:
            fn += 1
            misses.append(f"FN  line {n}: {text}  expected {expected}, got {sorted(got) or 'nothing'}")

    flagged_ok = tp
    flagged = tp + fp + sum(1 for n, _, _, e in rows if e != "-" and found.get(str(n)) and e not in found[str(n)])
    viol, comp = tp + fn, fp + tn
    def ratio(a, b):
        return f"{a / b:.3f}" if b else "n/a"

    print(f"rows {len(rows)}: {viol} violations, {comp} compliant ({comp / len(rows):.0%})")
    print(f"recall    {tp}/{viol} = {ratio(tp, viol)}")
    print(f"fp-rate   {fp}/{comp} = {ratio(fp, comp)}")
    print(f"precision {flagged_ok}/{flagged} = {ratio(flagged_ok, flagged)}")
    print(f"extra     {extra} violation rows also produced another rule")
    if args.verbose:
        for pack, (hit, total) in sorted(per_pack.items()):
            print(f"  {pack:4} recall {hit}/{total}")
        for m in misses:
            print(m)


if __name__ == "__main__":
    main()
