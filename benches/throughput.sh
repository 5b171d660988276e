#!/usr/bin/env bash
# Throughput of `callint check` against the floor and the alternatives (issue 6).
#
#   benches/throughput.sh                 # SIZE=1G
#   SIZE=200M benches/throughput.sh       # while developing
#
# One run: generates (or reuses) a synthetic dump of SIZE in target/bench-data/,
# extracts the phrase lists from rules/*.yaml, builds callint and the floor
# (examples/floor.rs) in release mode, installs the alternatives (a venv with jieba +
# pyahocorasick under target/, textlint + prh under benches/alt_textlint/), measures
# each tool with /usr/bin/time -v, checks that callint and the Python alternative
# agree on phrase-only rules, and prints a Markdown report (also written to
# target/bench-data/results-SIZE.md).
#
# Environment:
#   SIZE=1G           dump size (K/M/G = powers of 1024)
#   SEED=42           corpus seed
#   PY_BYTES=100000000    prefix for the Python alternative (segment on hit) and the agreement check
#   PYALL_BYTES=20000000  prefix for the Python alternative segmenting every utterance
#   TL_BYTES=5000000      prefix for textlint
#   PERF_BYTES=100000000  prefix profiled with `perf record` (0: no profile)
#   VARIANT_BYTES=0   run the callint variants (--threads 1/2, .gz, stdin pipe, phrases
#                     only) on a prefix of this many bytes instead of the whole dump
#                     (0: whole dump); for when callint is slow and the machine shared
#   GEN_JOBS=2        processes for the generator
#   CALLINT=path      use this callint binary instead of building target/release/callint
#   CALLINT_REV=rev   build callint from this git revision (a detached worktree under
#                     target/bench-wt, its own target dir) instead of the working tree;
#                     phrases are then read from that revision's rules/ too
#
# A tool that is missing or fails is reported in the table and the run goes on.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
SIZE="${SIZE:-1G}"
SEED="${SEED:-42}"
PY_BYTES="${PY_BYTES:-100000000}"
PYALL_BYTES="${PYALL_BYTES:-20000000}"
TL_BYTES="${TL_BYTES:-5000000}"
PERF_BYTES="${PERF_BYTES:-100000000}"
GEN_JOBS="${GEN_JOBS:-2}"
VARIANT_BYTES="${VARIANT_BYTES:-0}"
DATA="$root/target/bench-data"
VENV="$root/target/bench-venv"
mkdir -p "$DATA"
RUN="$DATA/run-$SIZE"
rm -rf "$RUN"
mkdir -p "$RUN"
log() { echo "[throughput] $*" >&2; }

# ---------------------------------------------------------------- tools
if [ ! -x /usr/bin/time ]; then
  log "installing GNU time"
  (apt-get update -qq && apt-get install -y -qq time) >&2 || log "could not install GNU time: peak RSS will be missing"
fi

# ---------------------------------------------------------------- data
dump="$DATA/calls-$SIZE-s$SEED.jsonl"
if [ ! -s "$dump" ]; then
  log "generating $dump"
  python3 benches/gen_corpus.py --size "$SIZE" --seed "$SEED" --jobs "$GEN_JOBS" -o "$dump.tmp" --stats && mv "$dump.tmp" "$dump"
fi
if [ ! -s "$dump.gz" ]; then
  log "compressing $dump.gz"
  gzip -6 -c "$dump" > "$dump.gz.tmp" && mv "$dump.gz.tmp" "$dump.gz"
fi
dump_bytes=$(stat -c %s "$dump")
prefix() { # BYTES -> path of a prefix of the dump cut at a line end
  local p="$DATA/prefix-$1-s$SEED.jsonl"
  if [ ! -s "$p" ]; then
    python3 -c 'import sys; d=open(sys.argv[1],"rb").read(int(sys.argv[2])); open(sys.argv[3],"wb").write(d[:d.rfind(b"\n")+1])' "$dump" "$1" "$p"
  fi
  echo "$p"
}
py_prefix="$(prefix "$PY_BYTES")"
pyall_prefix="$(prefix "$PYALL_BYTES")"

# ---------------------------------------------------------------- phrases
RULES_DIR="$root/rules"
callint_src="working tree at $(git rev-parse --short HEAD)$(git status --porcelain -- src rules Cargo.toml build.rs 2>/dev/null | grep -q . && echo ' (uncommitted changes in src/rules)')"
if [ -n "${CALLINT_REV:-}" ] && [ -z "${CALLINT:-}" ]; then
  wt="$root/target/bench-wt"
  git worktree remove --force "$wt" >/dev/null 2>&1 || rm -rf "$wt"
  git worktree prune
  if git worktree add --detach "$wt" "$CALLINT_REV" >&2; then
    RULES_DIR="$wt/rules"
    callint_src="commit $(git -C "$wt" rev-parse --short HEAD) (CALLINT_REV=$CALLINT_REV)"
  else
    log "cannot check out $CALLINT_REV"; exit 2
  fi
fi
phrase_summary="$(python3 benches/extract_phrases.py "$RULES_DIR" --all "$RUN/phrases.txt" --simple "$RUN/simple.tsv" \
  --bench-pack "$RUN/benchpack.yaml" --bench-tsv "$RUN/benchpack.tsv" 2>"$RUN/extract.err")" \
  || log "phrase extraction failed: $(cat "$RUN/extract.err")"
log "phrases: $phrase_summary"

# ---------------------------------------------------------------- builds
log "building callint and the floor (release)"
callint_note=""
if [ -n "${CALLINT:-}" ]; then
  callint="$CALLINT"
else
  callint="$root/target/release/callint"
  build=(cargo build --release --bin callint)
  if [ -n "${CALLINT_REV:-}" ]; then
    callint="$root/target/bench-target/release/callint"
    build=(env CARGO_TARGET_DIR="$root/target/bench-target" cargo build --release --bin callint --manifest-path "$wt/Cargo.toml")
  fi
  if [ -n "${CALLINT_REV:-}" ]; then
    # the floor is built from the same checkout (with this tree's examples/floor.rs)
    mkdir -p "$wt/examples" && cp examples/floor.rs "$wt/examples/floor.rs"
  fi
  if ! "${build[@]}" >"$RUN/build-callint.log" 2>&1; then
    callint_note="build failed (see $RUN/build-callint.log)"
    log "callint: $callint_note"; tail -5 "$RUN/build-callint.log" >&2
  fi
fi
floor="$root/target/release/examples/floor"
floor_build=(cargo build --release --example floor)
if [ -n "${wt:-}" ]; then
  floor="$root/target/bench-target/release/examples/floor"
  floor_build=(env CARGO_TARGET_DIR="$root/target/bench-target" cargo build --release --example floor --manifest-path "$wt/Cargo.toml")
fi
if ! "${floor_build[@]}" >"$RUN/build-floor.log" 2>&1; then
  log "floor build failed (see $RUN/build-floor.log)"
  [ -x "$floor" ] && log "using the existing (possibly stale) $floor"
fi
# the Python alternative segments the way the measured callint does (jieba HMM on or off)
HMM_FLAG=""
if grep -q 'cut(text, true)' "${wt:-$root}/src/segment.rs" 2>/dev/null; then HMM_FLAG="--hmm"; fi
if [ -n "${wt:-}" ]; then git worktree remove --force "$wt" >/dev/null 2>&1; git worktree prune; fi
if [ -x "$callint" ] && [ -z "$callint_note" ]; then
  if ! "$callint" check --help 2>/dev/null | grep -q -- "--format"; then
    callint_note="binary has no \`check --format\`"
  fi
elif [ -z "$callint_note" ]; then
  callint_note="no binary at $callint"
fi

# ---------------------------------------------------------------- alternatives
log "installing the alternatives"
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV" >&2; fi
"$VENV/bin/python" -c 'import jieba, ahocorasick' 2>/dev/null \
  || "$VENV/bin/pip" install -q jieba pyahocorasick >&2 || log "pip install failed"
if [ ! -x benches/alt_textlint/node_modules/.bin/textlint ]; then
  (cd benches/alt_textlint && npm ci --no-audit --no-fund --loglevel=error >&2) || log "npm install failed"
fi

# ---------------------------------------------------------------- measuring
rows="$RUN/rows.tsv"
: > "$rows"
# measure NAME INPUT_BYTES STDOUT_FILE CMD... ; appends name, bytes, secs, rss_kb, rc to $rows
measure() {
  local name="$1" bytes="$2" out="$3"; shift 3
  local slug; slug="$(echo "$name" | tr -c 'A-Za-z0-9\n' '_' | tr -s _)"
  local t0 t1 rc rss secs cpu
  log "measuring: $name"
  t0=$(date +%s.%N)
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -v -o "$RUN/$slug.time" "$@" >"$out" 2>"$RUN/$slug.stderr"; rc=$?
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$RUN/$slug.time")
    cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {print s}' "$RUN/$slug.time")
  else
    "$@" >"$out" 2>"$RUN/$slug.stderr"; rc=$?; rss=""; cpu=""
  fi
  t1=$(date +%s.%N)
  secs=$(python3 -c "print(round($t1 - $t0, 3))")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$bytes" "$secs" "${rss:-}" "$rc" "$slug" "${cpu:-}" "$(cut -d' ' -f1 /proc/loadavg)" >> "$rows"
  LAST_RC=$rc
}
skip() { printf '%s\t%s\t\t\t%s\t\t\t\n' "$1" "$2" "skipped: $3" >> "$rows"; }

# The file to be read from disk is warm in the page cache for every tool alike.
cat "$dump" > /dev/null
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
if [ -x "$floor" ]; then
  measure "floor (sonic-rs + 1 AC), 2 threads" "$dump_bytes" "$RUN/floor.out" "$floor" --phrases "$RUN/phrases.txt" "$dump"
  measure "floor, 1 thread" "$dump_bytes" "$RUN/floor1.out" "$floor" --threads 1 --phrases "$RUN/phrases.txt" "$dump"
else
  skip "floor (sonic-rs + 1 AC), 2 threads" "$dump_bytes" "no floor binary"
fi

ok_callint() { [ -z "$callint_note" ] && [ "$LAST_RC" -le 1 ]; }
if [ -z "$callint_note" ]; then
  measure "callint check --format jsonl" "$dump_bytes" /dev/null "$callint" check --format jsonl "$dump"
  ok_callint || { callint_note="exit $LAST_RC: $(tail -3 "$RUN/callint_check_format_jsonl.stderr" | tr '\n' ' ')"; log "callint failed: $callint_note"; }
fi
if [ -z "$callint_note" ]; then
  vdump="$dump" vbytes="$dump_bytes"
  if [ "$VARIANT_BYTES" != 0 ]; then
    vdump="$(prefix "$VARIANT_BYTES")"; vbytes="$(stat -c %s "$vdump")"
    [ -s "$vdump.gz" ] || gzip -6 -c "$vdump" > "$vdump.gz"
    measure "callint check --format jsonl (prefix)" "$vbytes" /dev/null "$callint" check --format jsonl "$vdump"
  fi
  measure "callint --threads 1" "$vbytes" /dev/null "$callint" check --format jsonl --threads 1 "$vdump"
  measure "callint --threads 2" "$vbytes" /dev/null "$callint" check --format jsonl --threads 2 "$vdump"
  # Issue 4's yardstick: the default packs without their call-level rules.
  measure "callint --ignore CALL (no call-level rules)" "$vbytes" /dev/null "$callint" check --format jsonl --ignore CALL "$vdump"
  measure "callint on .gz (flate2)" "$vbytes" /dev/null "$callint" check --format jsonl "$vdump.gz"
  measure "gzip -dc | callint -" "$vbytes" /dev/null bash -c 'gzip -dc "$1" | "$2" check --format jsonl -' _ "$vdump.gz" "$callint"
  measure "callint, phrases only (bench pack, no regex)" "$vbytes" /dev/null \
    "$callint" check --format jsonl --no-default-rules --rules "$RUN/benchpack.yaml" "$vdump"
  measure "callint, prefix for Python" "$(stat -c %s "$py_prefix")" "$RUN/callint-prefix.jsonl" "$callint" check --format jsonl "$py_prefix"
else
  skip "callint check --format jsonl" "$dump_bytes" "$callint_note"
fi
measure "gzip -dc (decompression only)" "$dump_bytes" /dev/null gzip -dc "$dump.gz"

if "$VENV/bin/python" -c 'import jieba, ahocorasick' 2>/dev/null; then
  measure "Python jieba+pyahocorasick (segment on hit)" "$(stat -c %s "$py_prefix")" "$RUN/alt-jieba.jsonl" \
    "$VENV/bin/python" benches/alt_jieba.py $HMM_FLAG --phrases "$RUN/phrases.txt" "$py_prefix"
  measure "Python jieba+pyahocorasick (segment all)" "$(stat -c %s "$pyall_prefix")" "$RUN/alt-jieba-all.jsonl" \
    "$VENV/bin/python" benches/alt_jieba.py $HMM_FLAG --segment all --phrases "$RUN/phrases.txt" "$pyall_prefix"
else
  skip "Python jieba+pyahocorasick" "$PY_BYTES" "jieba/pyahocorasick not installed"
fi

if [ -x benches/alt_textlint/node_modules/.bin/textlint ]; then
  # conversion to text files is not timed; textlint itself is timed by run.sh
  tl_json="$(benches/alt_textlint/run.sh "$RUN/phrases.txt" "$dump" "$TL_BYTES" "$RUN/textlint" 2>"$RUN/textlint.stderr")"
  if [ -n "$tl_json" ]; then
    # re-time under /usr/bin/time for the RSS, with the same files
    measure "textlint + prh" "$(echo "$tl_json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["jsonl_bytes"])')" \
      "$RUN/textlint/textlint2.json" benches/alt_textlint/node_modules/.bin/textlint --config "$RUN/textlint/.textlintrc.json" \
      --no-color --format json $(ls "$RUN"/textlint/txt/*.txt)
  else
    skip "textlint + prh" "$TL_BYTES" "run.sh failed: $(tail -2 "$RUN/textlint.stderr" | tr '\n' ' ')"
  fi
else
  skip "textlint + prh" "$TL_BYTES" "textlint not installed"
fi

# ---------------------------------------------------------------- agreement
agree_real="" agree_bench=""
if [ -z "$callint_note" ] && "$VENV/bin/python" -c 'import jieba' 2>/dev/null; then
  if [ -s "$RUN/simple.tsv" ]; then
    log "agreement on the default packs' phrase-only rules"
    "$VENV/bin/python" benches/alt_jieba.py $HMM_FLAG --phrases "$RUN/simple.tsv" "$py_prefix" > "$RUN/alt-simple.jsonl" 2>"$RUN/alt-simple.stderr"
    agree_real="$("$VENV/bin/python" benches/compare_findings.py $HMM_FLAG --callint "$RUN/callint-prefix.jsonl" --python "$RUN/alt-simple.jsonl" \
      --rules-tsv "$RUN/simple.tsv" --dump "$py_prefix" --diffs "$RUN/diffs-real.jsonl")"
  fi
  log "agreement on every phrase as its own phrase-only rule (bench pack)"
  "$callint" check --format jsonl --no-default-rules --rules "$RUN/benchpack.yaml" "$py_prefix" > "$RUN/callint-benchpack.jsonl" 2>"$RUN/callint-benchpack.stderr"
  rc=$?
  if [ $rc -le 1 ]; then
    "$VENV/bin/python" benches/alt_jieba.py $HMM_FLAG --phrases "$RUN/benchpack.tsv" "$py_prefix" > "$RUN/alt-benchpack.jsonl" 2>"$RUN/alt-benchpack.stderr"
    agree_bench="$("$VENV/bin/python" benches/compare_findings.py $HMM_FLAG --callint "$RUN/callint-benchpack.jsonl" --python "$RUN/alt-benchpack.jsonl" \
      --rules-tsv "$RUN/benchpack.tsv" --dump "$py_prefix" --diffs "$RUN/diffs-benchpack.jsonl")"
  else
    agree_bench="{\"error\": \"callint exit $rc on the bench pack: $(tail -2 "$RUN/callint-benchpack.stderr" | tr '\n"' '  ')\"}"
  fi
fi

# ---------------------------------------------------------------- profile
perf_top=""
if [ "$PERF_BYTES" != 0 ] && [ -z "$callint_note" ] && command -v perf >/dev/null; then
  perf_prefix="$(prefix "$PERF_BYTES")"
  log "profiling callint on $(stat -c %s "$perf_prefix") bytes"
  if perf record -F 499 -g -o "$RUN/perf.data" "$callint" check --format jsonl "$perf_prefix" >/dev/null 2>"$RUN/perf.stderr"; [ -s "$RUN/perf.data" ]; then
    perf report -i "$RUN/perf.data" --no-children --percent-limit 1.5 --stdio -g none --sort dso,symbol 2>/dev/null \
      | grep -v '^#' | grep -v '^$' | head -25 > "$RUN/perf-top.txt"
    perf_top="$(cat "$RUN/perf-top.txt")"
  fi
fi

# ---------------------------------------------------------------- report
report="$DATA/results-$SIZE.md"
HMM_FLAG="$HMM_FLAG" python3 - "$rows" "$phrase_summary" "$agree_real" "$agree_bench" "$callint_note" "$RUN" "$SIZE" "$dump" "$load_before" "$callint_src" > "$report" <<'PY'
import json, os, re, subprocess, sys
rows_path, phrase_summary, agree_real, agree_bench, callint_note, run, size, dump, load_before, callint_src = sys.argv[1:11]
rows = []
for line in open(rows_path, encoding="utf-8"):
    name, nbytes, secs, rss, rc, slug, cpu, load = line.rstrip("\n").split("\t")
    note = ""
    err = os.path.join(run, slug + ".stderr") if slug else ""
    if err and os.path.exists(err):
        t = open(err, encoding="utf-8", errors="replace").read()
        m = re.search(r"(\d+) findings?", t)
        if m:
            note = m.group(1) + " findings"
        m = re.search(r"matches=(\d+)", t)
        if m:
            note = m.group(1) + " AC matches"
        m = re.search(r"findings=(\d+) init=([\d.]+)s secs=([\d.]+) MB/s=([\d.]+)", t)
        if m:
            note = "%s findings; jieba init %ss, then %s MB/s" % (m.group(1), m.group(2), m.group(4))
    if name.startswith("textlint"):
        tj = os.path.join(run, "textlint", "textlint2.json")
        try:
            note = "%d messages (no boundary check)" % sum(len(f["messages"]) for f in json.load(open(tj)))
        except Exception:
            pass
    rows.append(dict(name=name, mb=int(nbytes) / 1e6 if nbytes else None, secs=float(secs) if secs else None,
                     rss=int(rss) / 1024 if rss else None, rc=rc, note=note,
                     cpu=float(cpu) if cpu else None, load=load))
for r in rows:
    r["mbs"] = r["mb"] / r["secs"] if r["secs"] else None
    r["mbcpu"] = r["mb"] / r["cpu"] if r["cpu"] else None
floor = next((r["mbs"] for r in rows if r["name"].startswith("floor (") and r["rc"] == "0"), None)
callint = next((r["mbs"] for r in rows if r["name"] == "callint check --format jsonl" and r["rc"] in ("0", "1")), None)
f = lambda x, p=1: ("%.*f" % (p, x)) if x is not None else "–"
def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except Exception:
        return ""
print("## Throughput, %s dump (`%s`)\n" % (size, os.path.basename(dump)))
print("- date: %s" % sh("date -u '+%Y-%m-%d %H:%M UTC'"))
print("- machine: `nproc` = %s; `free -g`: %s; CPU: %s" % (sh("nproc"), " ".join(sh("free -g | sed -n 2p").split()[:4]),
      sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip()))
print("- repo HEAD when run (bench scripts): %s; %s; load average before measuring: %s" % (sh("git rev-parse --short HEAD"), sh("rustc --version"), load_before))
print("- callint built from: %s; jieba HMM %s (the Python alternative follows)" % (callint_src, "on" if os.environ.get("HMM_FLAG") else "off"))
print("- phrases from rules/: %s" % phrase_summary)
if callint_note:
    print("- **callint: %s**" % callint_note)
print()
print("MB = 10^6 bytes of JSONL input; seconds are wall-clock. *vs floor* = MB/s ÷ floor MB/s (2 threads). "
      "*callint ×* = callint's MB/s (default threads, full dump) ÷ this tool's MB/s. "
      "*CPU s* = user + system time, and *MB/CPU-s* the input per CPU-second, which the other "
      "jobs on a shared machine disturb far less than wall-clock time; *load* is the 1-minute "
      "load average right after the row was measured (2 cores).\n")
print("| tool | input MB | seconds | MB/s | vs floor | callint × | peak RSS MB | CPU s | MB/CPU-s | load | exit | notes |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
for r in rows:
    vs = r["mbs"] / floor if (r["mbs"] and floor) else None
    cx = callint / r["mbs"] if (r["mbs"] and callint) else None
    print("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (r["name"].replace("|", "\\|"), f(r["mb"]),
          f(r["secs"], 2), f(r["mbs"]), f(vs, 2), f(cx, 2) if cx else "–", f(r["rss"]), f(r["cpu"], 2), f(r["mbcpu"]),
          r["load"] or "–", r["rc"], r["note"]))
print()
for label, js in (("default packs, phrase-only rules", agree_real), ("every phrase as its own phrase-only rule", agree_bench)):
    if not js:
        print("- agreement (%s): not measured (no such rules, or callint unavailable)" % label)
        continue
    a = json.loads(js)
    if "error" in a:
        print("- agreement (%s): %s" % (label, a["error"]))
        continue
    print("- agreement with the Python alternative (%s): **%s%%** of %d findings "
          "(callint %d, Python %d, both %d; only callint %d: %s; only Python %d: %s)" % (
          label, a["agreement_pct"], a["both"] + a["only_callint"] + a["only_python"], a["callint"], a["python"], a["both"],
          a["only_callint"], a["differences"]["only_callint"] or "–", a["only_python"], a["differences"]["only_python"] or "–"))
top = os.path.join(run, "perf-top.txt")
if os.path.exists(top) and os.path.getsize(top):
    print("\n`perf record` of callint (self time, top symbols):\n\n```")
    print(open(top).read().rstrip())
    print("```")
PY
cat "$report"
log "report: $report; raw data: $RUN"
