#!/usr/bin/env python3
"""The alternative a QA team would write: jieba + pyahocorasick.

Scans the agent utterances of a callint JSONL dump for literal phrases with one
Aho-Corasick automaton (pyahocorasick) and keeps a hit only when its start and end
both fall on jieba token boundaries (the same check as callint's default
`boundary: token`).  No normalisation, no negation, no exceptions.

  pip install jieba pyahocorasick
  python3 benches/alt_jieba.py --phrases phrases.tsv calls.jsonl > findings.jsonl
  head -c 20000000 calls.jsonl | python3 benches/alt_jieba.py --phrases p.txt -

--phrases: one phrase per line, optionally `phrase<TAB>rule_id`.  With rule ids,
overlapping hits of one rule in one utterance are merged into one finding spanning
them all (as callint does), and each finding carries "rule".

Output, one JSON object per line:
  {"call_id", "utterance" (0-based index in the call), "phrase", "char_start",
   "char_end" (code points, end exclusive), "rule"?}

--segment hits (default) segments an utterance with jieba only when the automaton
found something in it, which is what a careful QA engineer would do; --segment all
segments every agent utterance (what a straightforward "tokenise, then match"
script does).  Segmentation is jieba's default dictionary plus rules/userdict.txt,
HMM off (as callint: HMM new-word discovery glues single characters onto phrase
edges); --hmm turns it on.  Timing and counts go to stderr.
"""

import argparse
import gzip
import json
import os
import sys
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input", help="JSONL path ('.gz' ok) or '-' for stdin")
    ap.add_argument("--phrases", required=True, help="phrase list: 'phrase' or 'phrase<TAB>rule' per line")
    ap.add_argument("--userdict", default=None, help="jieba user dictionary (default: rules/userdict.txt if present)")
    ap.add_argument("--roles", default="agent", help="comma-separated roles to scan (default: agent)")
    ap.add_argument("--segment", choices=["hits", "all"], default="hits")
    ap.add_argument("--hmm", action="store_true",
                    help="segment with jieba's HMM new-word discovery (callint segments with HMM off)")
    ap.add_argument("--max-bytes", type=int, default=0, help="stop after this many input bytes (whole lines)")
    ap.add_argument("-o", "--output", default="-")
    a = ap.parse_args()

    import ahocorasick
    import jieba

    jieba.setLogLevel(60)
    userdict = a.userdict
    if userdict is None:
        here = os.path.dirname(os.path.abspath(__file__))
        cand = os.path.join(here, "..", "rules", "userdict.txt")
        userdict = cand if os.path.exists(cand) else ""
    t_init = time.time()
    jieba.initialize()
    if userdict:
        jieba.load_userdict(userdict)

    rules_of = {}
    for line in open(a.phrases, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line.strip():
            continue
        phrase, _, rule = line.partition("\t")
        phrase = phrase.strip()
        rules_of.setdefault(phrase, [])
        if rule.strip() and rule.strip() not in rules_of[phrase]:
            rules_of[phrase].append(rule.strip())
    with_rules = any(rules_of.values())
    auto = ahocorasick.Automaton()
    for phrase, rules in rules_of.items():
        auto.add_word(phrase, (len(phrase), phrase, tuple(rules)))
    auto.make_automaton()
    init_s = time.time() - t_init

    roles = set(a.roles.split(","))
    hmm = a.hmm
    tokenize = jieba.tokenize
    seg_all = a.segment == "all"
    dumps = json.dumps
    loads = json.loads

    inp = sys.stdin.buffer if a.input == "-" else (gzip.open(a.input, "rb") if a.input.endswith(".gz") else open(a.input, "rb"))
    out = sys.stdout if a.output == "-" else open(a.output, "w", encoding="utf-8")
    t0 = time.time()
    nbytes = calls = utts = scanned = segmented = raw_hits = findings = 0
    for line in inp:
        nbytes += len(line)
        if a.max_bytes and nbytes > a.max_bytes:
            nbytes -= len(line)
            break
        if not line.strip():
            continue
        call = loads(line)
        calls += 1
        cid = call.get("call_id")
        for ui, u in enumerate(call["utterances"]):
            utts += 1
            if u.get("role") not in roles:
                continue
            text = u["text"]
            scanned += 1
            bounds = None
            if seg_all:
                bounds = {0}
                for _w, _s, e in tokenize(text, HMM=hmm):
                    bounds.add(e)
                segmented += 1
            hits = []
            for end, (n, phrase, rules) in auto.iter(text):
                raw_hits += 1
                if bounds is None:
                    bounds = {0}
                    for _w, _s, e in tokenize(text, HMM=hmm):
                        bounds.add(e)
                    segmented += 1
                s, e = end - n + 1, end + 1
                if s in bounds and e in bounds:
                    hits.append((s, e, phrase, rules))
            if not hits:
                continue
            if with_rules:
                by_rule = {}
                for s, e, phrase, rules in hits:
                    for r in rules or ("",):
                        by_rule.setdefault(r, []).append((s, e))
                for r, spans in by_rule.items():
                    spans.sort()
                    cs, ce = spans[0]
                    merged = []
                    for s, e in spans[1:]:
                        if s < ce:  # overlapping hits of one rule: one finding spanning them all
                            ce = max(ce, e)
                        else:
                            merged.append((cs, ce))
                            cs, ce = s, e
                    merged.append((cs, ce))
                    for s, e in merged:
                        out.write(dumps({"call_id": cid, "utterance": ui, "phrase": text[s:e], "char_start": s,
                                         "char_end": e, "rule": r}, ensure_ascii=False) + "\n")
                        findings += 1
            else:
                for s, e, phrase, _rules in hits:
                    out.write(dumps({"call_id": cid, "utterance": ui, "phrase": phrase, "char_start": s,
                                     "char_end": e}, ensure_ascii=False) + "\n")
                    findings += 1
    out.flush()
    dt = time.time() - t0
    print("alt_jieba: bytes=%d calls=%d utterances=%d scanned=%d segmented=%d raw_hits=%d findings=%d "
          "init=%.2fs secs=%.2f MB/s=%.2f" % (nbytes, calls, utts, scanned, segmented, raw_hits, findings,
                                             init_s, dt, nbytes / 1e6 / max(dt, 1e-9)), file=sys.stderr)


if __name__ == "__main__":
    main()
