#!/usr/bin/env python3
"""Agreement between callint's findings and alt_jieba.py's on phrase-only rules.

  python3 benches/compare_findings.py --callint callint.jsonl --python alt.jsonl \
      --rules-tsv simple.tsv --dump prefix.jsonl [--diffs diffs.jsonl]

Both sides are reduced to the set of (call_id, utterance, char_start, char_end, rule)
for the rules in --rules-tsv (`phrase<TAB>rule_id`).  Agreement = |both| / |union|.
Every difference is classified (needs jieba, as alt_jieba.py):

  span-merge       the two sides found overlapping spans of the rule but merged them
                   differently
  noise-in-phrase  callint only: the matched original text is not the literal phrase
                   (a filler, a space, width or case inside it); callint normalises it
                   away, a literal matcher cannot see it
  boundary-norm    the literal phrase is there, and the token-boundary check differs
                   because callint segments the *normalised* text (fillers and spaces
                   removed) while the alternative segments the raw text
  boundary-jieba   the literal phrase is there, raw and normalised text segment the same
                   way in Python jieba, so jieba-rs and Python jieba disagree
  other            none of the above: look at it (written to --diffs)

Prints one JSON object with the counts.
"""
import argparse
import bisect
import json
import os
import sys

FILLERS = ("那个", "嗯", "啊", "呃", "额", "唔")


def normalise(text):
    """Approximation of callint's normalisation, with a map norm index -> raw index."""
    out, idx = [], []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("那个", i):
            i += 2
            continue
        if c in "嗯啊呃额唔":
            i += 1
            continue
        if c.isspace():
            prev = text[i - 1] if i else ""
            nxt = text[i + 1] if i + 1 < n else ""
            if not (prev.isascii() and nxt.isascii()):
                i += 1
                continue
        o = ord(c)
        if 0xFF01 <= o <= 0xFF5E:
            c = chr(o - 0xFEE0)
        elif o == 0x3000:
            c = " "
        out.append(c.lower())
        idx.append(i)
        i += 1
    idx.append(n)
    return "".join(out), idx


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--callint", required=True)
    ap.add_argument("--python", required=True)
    ap.add_argument("--rules-tsv", required=True)
    ap.add_argument("--dump", required=True)
    ap.add_argument("--userdict", default=None)
    ap.add_argument("--hmm", action="store_true", help="segment with HMM on (must match alt_jieba.py)")
    ap.add_argument("--diffs", default=None, help="write every difference here (JSONL)")
    a = ap.parse_args()

    phrases_of = {}
    for line in open(a.rules_tsv, encoding="utf-8"):
        p, _, r = line.rstrip("\n").partition("\t")
        if p and r:
            phrases_of.setdefault(r, set()).add(p)
    rules = set(phrases_of)

    cl, cl_text = set(), {}
    for line in open(a.callint, encoding="utf-8"):
        if not line.strip():
            continue
        f = json.loads(line)
        if f.get("rule") not in rules or not f.get("span") or f.get("utterance") is None:
            continue
        k = (f["call_id"], f["utterance"], f["span"]["char_start"], f["span"]["char_end"], f["rule"])
        cl.add(k)
        if f.get("text") is not None:
            cl_text[(f["call_id"], f["utterance"])] = f["text"]
    py = set()
    for line in open(a.python, encoding="utf-8"):
        if line.strip():
            f = json.loads(line)
            if f.get("rule") in rules:
                py.add((f["call_id"], f["utterance"], f["char_start"], f["char_end"], f["rule"]))

    both = cl & py
    only_c, only_p = cl - py, py - cl
    union = cl | py
    res = {"rules": len(rules), "callint": len(cl), "python": len(py), "both": len(both),
           "only_callint": len(only_c), "only_python": len(only_p),
           "agreement_pct": round(100.0 * len(both) / len(union), 2) if union else None}

    need = {(k[0], k[1]) for k in only_c | only_p}
    texts = dict((k, v) for k, v in cl_text.items() if k in need)
    missing = {k[0] for k in need if k not in texts}
    if missing:
        with open(a.dump, "rb") as f:
            for line in f:
                if not missing:
                    break
                call = json.loads(line)
                if call.get("call_id") in missing:
                    missing.discard(call["call_id"])
                    for i, u in enumerate(call["utterances"]):
                        if (call["call_id"], i) in need:
                            texts[(call["call_id"], i)] = u["text"]

    import jieba
    jieba.setLogLevel(60)
    ud = a.userdict
    if ud is None:
        cand = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "rules", "userdict.txt")
        ud = cand if os.path.exists(cand) else ""
    if ud:
        jieba.load_userdict(ud)

    def bounds(t):
        b = {0}
        for _w, _s, e in jieba.tokenize(t, HMM=a.hmm):
            b.add(e)
        return b

    by_utt = {}
    for k in cl:
        by_utt.setdefault(("c",) + k[:2] + (k[4],), []).append(k)
    for k in py:
        by_utt.setdefault(("p",) + k[:2] + (k[4],), []).append(k)

    classes = {"only_callint": {}, "only_python": {}}
    diffs = []
    for side, keys, other in (("only_callint", only_c, "p"), ("only_python", only_p, "c")):
        for k in sorted(keys):
            cid, ui, s, e, rule = k
            text = texts.get((cid, ui), "")
            cls = "other"
            if any(o[2] < e and s < o[3] for o in by_utt.get((other, cid, ui, rule), [])):
                cls = "span-merge"
            elif side == "only_callint" and text[s:e] not in phrases_of[rule]:
                cls = "noise-in-phrase"
            elif text[s:e] in phrases_of[rule]:
                raw_ok = s in bounds(text) and e in bounds(text)
                norm, idx = normalise(text)
                ns, ne = bisect.bisect_left(idx, s), bisect.bisect_left(idx, e)
                nb = bounds(norm)
                norm_ok = ns in nb and ne in nb
                if raw_ok != norm_ok:
                    cls = "boundary-norm"
                else:
                    cls = "boundary-jieba"
            classes[side][cls] = classes[side].get(cls, 0) + 1
            diffs.append({"side": side, "class": cls, "call_id": cid, "utterance": ui, "char_start": s,
                          "char_end": e, "rule": rule, "span": text[s:e], "text": text})
    res["differences"] = classes
    if a.diffs:
        with open(a.diffs, "w", encoding="utf-8") as f:
            for d in diffs:
                f.write(json.dumps(d, ensure_ascii=False) + "\n")
    print(json.dumps(res, ensure_ascii=False))


if __name__ == "__main__":
    main()
