#!/usr/bin/env bash
# textlint + textlint-rule-prh over a prefix of a callint JSONL dump.
#   benches/alt_textlint/run.sh PHRASES DUMP BYTES WORKDIR
# Installs the npm packages (package.json here; node_modules is not committed) on
# first use, converts the prefix to plain text (not timed), then times textlint.
# Prints one line of JSON: jsonl_bytes, text_bytes, lines, files, messages, secs.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
phrases="$1" dump="$2" bytes="$3" work="$4"
if [ ! -x "$here/node_modules/.bin/textlint" ]; then
  (cd "$here" && npm install --no-audit --no-fund --loglevel=error >&2)
fi
rm -rf "$work"
prep="$(python3 "$here/prepare.py" --phrases "$phrases" --dump "$dump" --bytes "$bytes" --out "$work")"
start=$(date +%s.%N)
set +e
"$here/node_modules/.bin/textlint" --config "$work/.textlintrc.json" --no-color --format json \
  "$work"/txt/*.txt > "$work/textlint.json"
rc=$?
set -e
end=$(date +%s.%N)
# textlint exits 1 when it reports problems; anything else is a failure
if [ "$rc" -gt 1 ]; then echo "textlint failed (exit $rc)" >&2; exit "$rc"; fi
python3 - "$work/textlint.json" "$prep" "$start" "$end" <<'PY'
import json, sys
res = json.load(open(sys.argv[1]))
out = json.loads(sys.argv[2])
out["messages"] = sum(len(f["messages"]) for f in res)
out["secs"] = round(float(sys.argv[4]) - float(sys.argv[3]), 3)
print(json.dumps(out))
PY
