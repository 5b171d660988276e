#!/usr/bin/env python3
"""Phrase lists for the benchmarks, from the rule packs (rules/*.yaml).

  python3 benches/extract_phrases.py rules --all phrases.txt --simple simple.tsv

--all: every `phrases:` entry of every rule (not exceptions), unique, one a line;
       what the floor's single automaton and textlint's prh.yml are built from.
--simple: `phrase<TAB>rule_id` for the rules a plain phrase matcher decides exactly
       like callint: phrases only (no patterns), boundary token (the default), no
       negation, no exceptions, roles [agent] (the default).  alt_jieba.py uses it
       for the agreement check.
--bench-pack: a rule pack (YAML) with one phrase-only rule per phrase of --all
       (ids BPA-001, ...), and --bench-tsv its `phrase<TAB>rule_id` map.  Running
       callint with `--no-default-rules --rules` on it gives an agreement check over
       every phrase even when no real rule is phrase-only.
Prints a one-line JSON summary.  Needs PyYAML.
"""
import argparse
import glob
import json
import os

import yaml


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rules_dir", nargs="?", default="rules")
    ap.add_argument("--all", required=True)
    ap.add_argument("--simple", required=True)
    ap.add_argument("--bench-pack")
    ap.add_argument("--bench-tsv")
    a = ap.parse_args()

    files = sorted(glob.glob(os.path.join(a.rules_dir, "*.yaml")) + glob.glob(os.path.join(a.rules_dir, "*.yml")))
    all_phrases, simple, why_not = [], [], {}
    seen = set()
    n_rules = n_phrase_rules = 0
    simple_rules = []
    for path in files:
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f) or {}
        for rule in doc.get("rules") or []:
            n_rules += 1
            phrases = [str(p) for p in (rule.get("phrases") or [])]
            if not phrases:
                continue
            n_phrase_rules += 1
            for p in phrases:
                if p not in seen:
                    seen.add(p)
                    all_phrases.append(p)
            exc = rule.get("exceptions") or {}
            reasons = []
            if rule.get("patterns"):
                reasons.append("patterns")
            if (rule.get("boundary") or "token") != "token":
                reasons.append("boundary")
            if rule.get("detector"):
                reasons.append("detector")
            if rule.get("negation"):
                reasons.append("negation")
            if exc.get("phrases") or exc.get("patterns"):
                reasons.append("exceptions")
            if list(rule.get("roles") or ["agent"]) != ["agent"]:
                reasons.append("roles")
            for r in reasons:
                why_not[r] = why_not.get(r, 0) + 1
            if not reasons:
                simple_rules.append(rule["id"])
                simple.extend((p, rule["id"]) for p in phrases)
    with open(a.all, "w", encoding="utf-8") as f:
        f.write("".join(p + "\n" for p in all_phrases))
    with open(a.simple, "w", encoding="utf-8") as f:
        f.write("".join("%s\t%s\n" % ps for ps in simple))
    if a.bench_pack:
        lines = ["pack: benchphrases", "title: every phrase of the default packs as its own phrase-only rule (benches)", "rules:"]
        tsv = []
        for i, p in enumerate(all_phrases):
            rid = "BP%s-%03d" % (chr(65 + i // 999), 1 + i % 999)
            q = json.dumps(p, ensure_ascii=False)
            lines += ["  - id: %s" % rid, "    title: %s" % q, "    severity: info", "    phrases: [%s]" % q,
                      "    message: %s" % q]
            tsv.append("%s\t%s\n" % (p, rid))
        with open(a.bench_pack, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        with open(a.bench_tsv, "w", encoding="utf-8") as f:
            f.write("".join(tsv))
    print(json.dumps({"files": len(files), "rules": n_rules, "phrase_rules": n_phrase_rules, "phrases": len(all_phrases),
                      "simple_rules": simple_rules, "simple_phrases": len(simple), "not_simple_because": why_not},
                     ensure_ascii=False))


if __name__ == "__main__":
    main()
