#!/usr/bin/env bash
# The Spark job for real: installs pyspark from PyPI into a venv under
# target/, generates a dump, splits it into PIECES files, lints it with
# examples/spark/lint_dump.py in local[2] mode (the release binary shipped
# with --files) and with one `callint check` process, and checks that both
# found the same findings: the same multiset of (call_id, utterance, rule,
# span), the same statistics, and the same calls/utterances/findings counts
# through `callint merge`.
#
#   benches/spark_check.sh                 # 5M dump (what CI runs)
#   SIZE=100M benches/spark_check.sh       # the issue's 100 MB run
#
# Env: SIZE (default 5M), PIECES (8), SEED (s), MASTER (local[2]),
# OUTPUT_FORMAT (jsonl; parquet also writes Parquet, compared via the jsonl
# run), CALLINT (binary; default: cargo build --release), VENV
# (target/spark/venv), PYTHON (python3, for the venv), OPTIONAL=1 (exit 0
# with a message when pyspark cannot be installed or Java is missing).
# Needs Java 17+ (`java -version`) and the network to PyPI on first run.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE=${SIZE:-5M}
PIECES=${PIECES:-8}
SEED=${SEED:-s}
MASTER=${MASTER:-local[2]}
VENV=${VENV:-target/spark/venv}
PYTHON=${PYTHON:-python3}
WORK=target/spark/run-$SIZE
DATA=target/bench-data/spark-$SIZE-$SEED.jsonl

t0=$(date +%s.%N)
elapsed() { python3 -c "import sys,time; print('%.1f' % (time.time() - float(sys.argv[1])))" "$1"; }
now() { date +%s.%N; }

if ! command -v java >/dev/null || ! java -version >/dev/null 2>&1; then
  echo "spark_check: no Java (Spark needs 17+)" >&2
  [ "${OPTIONAL:-0}" = 1 ] && { echo "spark_check: SKIPPED" >&2; exit 0; }
  exit 1
fi
java -version 2>&1 | sed -n '1s/^/java: /p'

if [ -z "${CALLINT:-}" ]; then
  echo "== cargo build --release"
  cargo build --release --locked -q
  CALLINT=target/release/callint
fi

echo "== pyspark in $VENV"
t=$(now)
if ! "$VENV/bin/python" -c 'import pyspark' 2>/dev/null; then
  if ! { "$PYTHON" -m venv "$VENV" && "$VENV/bin/pip" install --quiet --disable-pip-version-check pyspark; }; then
    # OPTIONAL=1 (CI): a registry outage must not fail the build; a wrong result still does.
    if [ "${OPTIONAL:-0}" = 1 ]; then
      echo "spark_check: SKIPPED: cannot install pyspark" >&2
      exit 0
    fi
    exit 1
  fi
fi
"$VENV/bin/python" -c 'import pyspark; print("pyspark", pyspark.__version__)'
echo "   ready in $(elapsed "$t")s"

echo "== dump: $SIZE, seed $SEED, split into $PIECES files"
mkdir -p target/bench-data "$WORK"
[ -s "$DATA" ] || python3 benches/gen_corpus.py --size "$SIZE" --seed "$SEED" -o "$DATA"
rm -rf "$WORK/input" "$WORK/out"
mkdir -p "$WORK/input"
split -n "l/$PIECES" -d -a 2 --additional-suffix=.jsonl "$DATA" "$WORK/input/part-"
ls -l "$WORK/input" | awk 'NR>1 {n++; s+=$5} END {printf "   %d files, %.1f MB\n", n, s/1048576}'

echo "== single process: callint check --format jsonl --emit-call-summary"
t=$(now)
"$CALLINT" check --format jsonl --emit-call-summary --exit-zero --quiet --isolated "$WORK/input" >"$WORK/single.jsonl"
single_s=$(elapsed "$t")
grep '^{"type":"summary"' "$WORK/single.jsonl" \
  | python3 -c 'import json,sys; s=json.load(sys.stdin); print(json.dumps({k: s[k] for k in ("calls","utterances","findings","skipped")}, sort_keys=True))' \
  >"$WORK/single-summary.json"
"$CALLINT" check --statistics --format json --exit-zero --quiet --isolated "$WORK/input" >"$WORK/single-stats.json"
echo "   ${single_s}s"

echo "== Spark $MASTER: examples/spark/lint_dump.py"
t=$(now)
PYSPARK_PYTHON="$PWD/$VENV/bin/python" PYSPARK_DRIVER_PYTHON="$PWD/$VENV/bin/python" \
  "$VENV/bin/spark-submit" --master "$MASTER" --conf spark.ui.enabled=false \
  --conf spark.driver.memory=1g --files "$CALLINT" \
  --driver-java-options "-Dlog4j2.configurationFile=file:$PWD/examples/spark/log4j2.properties" \
  examples/spark/lint_dump.py "$WORK/input" "$WORK/out" --output-format "${OUTPUT_FORMAT:-jsonl}" \
  2> >(grep -v -E '^\s*$|incubator modules|WARN Utils: (Your hostname|Set SPARK_LOCAL_IP)' >&2) \
  | tee "$WORK/spark.log"
spark_s=$(elapsed "$t")
echo "   ${spark_s}s (JVM start-up included)"

if [ "${OUTPUT_FORMAT:-jsonl}" != jsonl ]; then
  echo "== $OUTPUT_FORMAT written; the comparison needs the jsonl output"
  exit 0
fi

echo "== compare"
"$CALLINT" merge "$WORK/out" --format statistics >"$WORK/merged-stats.json"
"$CALLINT" merge "$WORK/out" --format summary \
  | python3 -c 'import json,sys; s=json.load(sys.stdin); print(json.dumps({k: s[k] for k in ("calls","utterances","findings","skipped")}, sort_keys=True))' \
  >"$WORK/merged-summary.json"
python3 - "$WORK" <<'EOF'
import collections, glob, json, os, sys
work = sys.argv[1]

def key(f):
    span = f.get("span") or {}
    return (f["call_id"], f.get("utterance"), f["rule"], span.get("char_start"), span.get("char_end"), span.get("text"))

def findings(paths):
    c = collections.Counter()
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.strip() and not line.startswith('{"type":'):
                    c[key(json.loads(line))] += 1
    return c

single = findings([os.path.join(work, "single.jsonl")])
parts = [p for p in glob.glob(os.path.join(work, "out", "findings", "**", "*"), recursive=True)
         if os.path.isfile(p) and not os.path.basename(p).startswith(("_", "."))]
spark = findings(parts)
ok = True
print("   findings: single %d, spark %d (%d distinct keys), in %d part files"
      % (sum(single.values()), sum(spark.values()), len(spark), len(parts)))
if single != spark:
    ok = False
    print("   MISMATCH: only single %s; only spark %s"
          % (list((single - spark).items())[:5], list((spark - single).items())[:5]))
for name in ("stats", "summary"):
    a = json.load(open(os.path.join(work, "single-%s.json" % name)))
    b = json.load(open(os.path.join(work, "merged-%s.json" % name)))
    same = a == b
    ok &= same
    print("   %s: %s" % (name, "same" if same else "DIFFERENT\n     single %s\n     merged %s" % (a, b)))
print("spark_check: 1 passed, 0 failed" if ok else "spark_check: 0 passed, 1 failed")
sys.exit(0 if ok else 1)
EOF
echo "== timings ($SIZE in $PIECES files): single process ${single_s}s, Spark $MASTER ${spark_s}s; whole script $(elapsed "$t0")s"
