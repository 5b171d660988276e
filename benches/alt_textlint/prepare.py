#!/usr/bin/env python3
"""Prepare the textlint alternative: prh.yml from a phrase list, and a prefix of a
callint JSONL dump as plain-text files (one agent utterance per line).

  python3 benches/alt_textlint/prepare.py --phrases P.txt --dump calls.jsonl \
      --bytes 3000000 --out WORKDIR

Writes WORKDIR/prh.yml, WORKDIR/.textlintrc.json, WORKDIR/txt/NNNN.txt (about
--lines-per-file lines each) and prints a JSON summary: the JSONL bytes consumed,
the text bytes written, and the counts.  Standard library only.
"""
import argparse
import json
import os


def yq(s):
    return json.dumps(s, ensure_ascii=False)  # a JSON string is a valid YAML scalar


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--phrases", required=True)
    ap.add_argument("--dump", required=True)
    ap.add_argument("--bytes", type=int, default=3_000_000)
    ap.add_argument("--out", required=True)
    ap.add_argument("--roles", default="agent")
    ap.add_argument("--lines-per-file", type=int, default=2000)
    a = ap.parse_args()

    os.makedirs(os.path.join(a.out, "txt"), exist_ok=True)
    phrases = []
    for line in open(a.phrases, encoding="utf-8"):
        p = line.rstrip("\n").split("\t")[0].strip()
        if p and p not in phrases:
            phrases.append(p)
    with open(os.path.join(a.out, "prh.yml"), "w", encoding="utf-8") as f:
        f.write("version: 1\nrules:\n")
        for p in phrases:
            # prh reports text matching `pattern` that differs from `expected`
            f.write("  - expected: %s\n    pattern: %s\n" % (yq("【禁语】" + p), yq(p)))
    with open(os.path.join(a.out, ".textlintrc.json"), "w") as f:
        json.dump({"rules": {"prh": {"rulePaths": [os.path.abspath(os.path.join(a.out, "prh.yml"))]}}}, f)

    roles = set(a.roles.split(","))
    consumed = text_bytes = lines = files = 0
    buf = []

    def flush():
        nonlocal files
        if buf:
            with open(os.path.join(a.out, "txt", "%04d.txt" % files), "w", encoding="utf-8") as f:
                f.write("\n".join(buf) + "\n")
            files += 1
            buf.clear()

    with open(a.dump, "rb") as inp:
        for raw in inp:
            if consumed + len(raw) > a.bytes:
                break
            consumed += len(raw)
            for u in json.loads(raw)["utterances"]:
                if u["role"] in roles:
                    t = u["text"].replace("\n", " ")
                    buf.append(t)
                    text_bytes += len(t.encode()) + 1
                    lines += 1
                    if len(buf) >= a.lines_per_file:
                        flush()
    flush()
    print(json.dumps({"jsonl_bytes": consumed, "text_bytes": text_bytes, "lines": lines, "files": files,
                      "phrases": len(phrases)}))


if __name__ == "__main__":
    main()
