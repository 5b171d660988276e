#!/usr/bin/env python3
"""Score callint's call-level rules on the call probes.

Usage:
    python3 tests/eval/score_calls.py [--callint PATH] [-v] [FILE.jsonl ...]
        [-- extra callint check arguments, e.g. --no-default-rules --rules rules]

Each probe file tests/eval/probes/roundNN-calls.jsonl (one call a line) has
roundNN-calls-expected.json beside it: call id -> the CALL-* rule ids the
call must produce, exactly. A call scores when the set of CALL-* rules
callint reports for it equals the expected set; false positives (FP) and
false negatives (FN) are counted per rule. Without files, every call probe
is scored. With --all-rules, every rule id counts (utterance rules of all packs
as well as CALL-*), for whole-dialogue probes such as roundNN-dialogues.jsonl
whose expected lists name every finding a QA analyst would keep.
"""
import argparse
import collections
import glob
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def call_rules(callint, path, extra, all_rules=False):
    out = subprocess.run([callint, "check", "--format", "jsonl", "--exit-zero", "-q", *extra, path],
                         capture_output=True, text=True)
    if out.returncode:
        sys.exit(out.stderr)
    found = collections.defaultdict(set)
    for line in out.stdout.splitlines():
        if line.strip():
            finding = json.loads(line)
            if all_rules or finding["rule"].startswith("CALL-"):
                found[finding["call_id"]].add(finding["rule"])
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--callint", default=os.path.join(HERE, "..", "..", "target", "release", "callint"))
    ap.add_argument("-v", action="store_true", help="list the calls that do not score")
    ap.add_argument("--all-rules", action="store_true",
                    help="score every rule id, not only CALL-* ones")
    ap.add_argument("files", nargs="*")
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    args = ap.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    files = args.files or sorted(glob.glob(os.path.join(HERE, "probes", "round*-calls.jsonl")))
    total_ok = total = 0
    all_fp, all_fn = collections.Counter(), collections.Counter()
    for path in files:
        expected = json.load(open(path.replace(".jsonl", "-expected.json")))
        found = call_rules(args.callint, path, extra, args.all_rules)
        ok, fp, fn, misses = 0, collections.Counter(), collections.Counter(), []
        for call_id, want in expected.items():
            want = {r for r in want if args.all_rules or r.startswith("CALL-")}
            got = found.get(call_id, set())
            if want == got:
                ok += 1
            else:
                misses.append((call_id, sorted(want), sorted(got)))
            fp.update(got - want)
            fn.update(want - got)
        total_ok += ok
        total += len(expected)
        all_fp += fp
        all_fn += fn
        print(f"{os.path.basename(path)}: {ok}/{len(expected)}  FP {dict(fp)}  FN {dict(fn)}")
        if args.v:
            for call_id, want, got in misses:
                print(f"    {call_id}: expected {want}, got {got}")
    print(f"TOTAL {total_ok}/{total}  FP {dict(all_fp)}  FN {dict(all_fn)}")


if __name__ == "__main__":
    main()
