#!/usr/bin/env python3
"""Lint a dump of call transcripts on Spark with the callint binary.

Spark schedules, callint lints: every partition of the input is piped
through `callint check --format jsonl --emit-call-summary -` on an executor,
and the lines it prints come back as findings, one summary line per call,
and the problems and summary of each piece. Nothing of the rules runs in
Python.

    spark-submit --master yarn \\
        --files target/release/callint,.callint.yaml \\
        examples/spark/lint_dump.py hdfs:///dumps/2026-11-21/ hdfs:///qa/callint/2026-11-21/

    # a Parquet table or Hive table instead of JSONL:
    spark-submit ... lint_dump.py --input-format parquet \\
        --column call_id=id --column agent_id=agent_no --column started_at=begin_time \\
        --column utterances=turns  s3a://lake/calls/ s3a://lake/qa/

Output (under OUTPUT):

    findings/date=YYYY-MM-DD/pack=NAME/part-*   one finding per line, exactly as
                                               `callint check --format jsonl` writes it
    calls/date=YYYY-MM-DD/part-*               `{"type":"call",...}` lines
    runs/part-*                                `{"type":"problem"|"summary",...}` lines

`--output-format parquet` writes the same three folders as Parquet with the
columns of docs/output.md (date and pack as partition columns).  The JSONL
folders feed `callint merge OUTPUT --format json|statistics|summary` and
`callint report` unchanged.

The date is the call's `started_at` (its first 10 characters), `unknown`
when the call has none.  Files shipped with --files are found by their base
name: the binary (`--binary`, default `callint`), a `.callint.yaml`
(`--config`) and rule packs (`--rules`, repeatable).
"""

import argparse
import json
import os
import stat
import subprocess
import sys
import tempfile
import threading
import time

from pyspark import SparkFiles, StorageLevel
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input", help="JSONL file, folder or glob (any Hadoop path or URI); a table name with --input-format table")
    p.add_argument("output", help="output folder (any Hadoop path or URI)")
    p.add_argument("--input-format", choices=["jsonl", "parquet", "table"], default="jsonl")
    p.add_argument("--column", action="append", default=[], metavar="FIELD=COLUMN",
                   help="parquet/table: which column holds call_id, agent_id, started_at, utterances "
                        "(an array of structs with role, text, start, end); default: same name")
    p.add_argument("--output-format", choices=["jsonl", "parquet"], default="jsonl")
    p.add_argument("--partitions", type=int, default=0,
                   help="repartition the input into N pieces (default: as read; see README for sizing)")
    p.add_argument("--binary", default="callint", help="base name of the binary shipped with --files")
    p.add_argument("--config", help="base name of a .callint.yaml shipped with --files")
    p.add_argument("--rules", action="append", default=[], help="base name of a rule pack shipped with --files")
    p.add_argument("--threads", type=int, default=1, help="callint threads per task (default 1: one per task core)")
    p.add_argument("--callint-arg", action="append", default=[], help="extra argument for `callint check`")
    p.add_argument("--lint-only", action="store_true",
                   help="lint and count the lines callint prints, write nothing (to time the linting alone)")
    p.add_argument("--top", type=int, default=20, help="agents to print (default 20)")
    return p.parse_args(argv)


def callint_command(args):
    """The command run on the executors; file names are resolved there."""
    exe = SparkFiles.get(args.binary)
    mode = os.stat(exe).st_mode
    if not mode & stat.S_IXUSR:
        os.chmod(exe, mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    cmd = [exe, "check", "--format", "jsonl", "--emit-call-summary", "--exit-zero", "--quiet",
           "--color", "never", "--threads", str(args.threads), "--input-format", "jsonl"]
    cmd += ["--config", SparkFiles.get(args.config)] if args.config else ["--isolated"]
    for pack in args.rules:
        cmd += ["--rules", SparkFiles.get(pack)]
    return cmd + list(args.callint_arg) + ["-"]


def lint_partition(args):
    """mapPartitions function: pipe the records through callint, yield (kind, date, pack, line)."""

    def run(lines):
        cmd = callint_command(args)
        with tempfile.TemporaryFile() as err:
            proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err)
            failure = []

            def feed():
                try:
                    for line in lines:
                        proc.stdin.write(line.encode("utf-8"))
                        proc.stdin.write(b"\n")
                except Exception as e:  # a broken pipe shows in the exit code; keep the cause
                    failure.append(e)
                finally:
                    try:
                        proc.stdin.close()
                    except OSError:
                        pass

            writer = threading.Thread(target=feed, daemon=True)
            writer.start()
            summaries = 0
            for raw in proc.stdout:
                line = raw.decode("utf-8").rstrip("\n")
                if not line:
                    continue
                if line.startswith('{"type":'):
                    record = json.loads(line)
                    kind = record["type"]
                    summaries += kind == "summary"
                    date = (record.get("started_at") or "unknown")[:10] if kind == "call" else None
                    yield (kind, date, None, line)
                else:
                    record = json.loads(line)
                    date = (record.get("started_at") or "unknown")[:10]
                    yield ("finding", date, record["pack"], line)
            writer.join()
            code = proc.wait()
            # 0: done; 2 with a summary line: some records could not be read, and
            # they are in the problem lines. Anything else fails the task (and Spark retries it).
            if failure or code not in (0, 2) or summaries != 1:
                err.seek(0)
                why = str(failure[0]) if failure else ("%d summary lines" % summaries)
                raise RuntimeError("callint failed (exit %s, %s): %s\n%s" % (
                    code, why, " ".join(cmd), err.read().decode("utf-8", "replace")[-4000:]))

    return run


def input_lines(spark, args):
    """The calls as JSONL strings, one RDD element per call."""
    if args.input_format == "jsonl":
        return spark.sparkContext.textFile(args.input)
    df = spark.read.parquet(args.input) if args.input_format == "parquet" else spark.table(args.input)
    mapping = dict(c.split("=", 1) for c in args.column)
    fields = [F.col(mapping.get(f, f)).alias(f) for f in ("call_id", "agent_id", "started_at", "utterances")
              if mapping.get(f, f) in df.columns]
    return df.select(F.to_json(F.struct(*fields)).alias("line")).rdd.map(lambda r: r[0])


SPAN = T.StructType([T.StructField(n, T.LongType()) for n in ("char_start", "char_end", "byte_start", "byte_end")]
                    + [T.StructField("text", T.StringType())])
FINDING = T.StructType(
    [T.StructField(n, T.StringType()) for n in
     ("rule", "pack", "severity", "title", "message", "detail", "help", "file", "call_id", "agent_id", "started_at")]
    + [T.StructField("utterance", T.LongType()), T.StructField("role", T.StringType()),
       T.StructField("time", T.ArrayType(T.DoubleType())), T.StructField("text", T.StringType()),
       T.StructField("span", SPAN), T.StructField("line", T.LongType()), T.StructField("column", T.LongType()),
       T.StructField("tags", T.ArrayType(T.StringType()))])
COUNTS = T.StructType([T.StructField(n, T.LongType()) for n in ("error", "warning", "info")])
CALL = T.StructType(
    [T.StructField(n, T.StringType()) for n in ("call_id", "agent_id", "started_at", "file")]
    + [T.StructField("line", T.LongType()), T.StructField("utterances", T.LongType()),
       T.StructField("duration", T.DoubleType()), T.StructField("findings", COUNTS)])


def write(df, kind, path, output_format, partition_by, schema):
    part = df.where(F.col("kind") == kind) if isinstance(kind, str) else df.where(F.col("kind").isin(*kind))
    writer_cols = partition_by
    # One file per partition folder, not one per input piece and folder.
    part = part.repartition(*writer_cols) if writer_cols else part.coalesce(1)
    if output_format == "jsonl":
        out = part.select("value", *writer_cols)
        w = out.write.mode("overwrite")
        (w.partitionBy(*writer_cols) if writer_cols else w).text(path)
    else:
        fields = [F.col("r." + f.name) for f in schema.fields if f.name not in writer_cols]
        out = part.select(F.from_json("value", schema).alias("r"), *writer_cols).select(*fields, *writer_cols)
        w = out.write.mode("overwrite")
        (w.partitionBy(*writer_cols) if writer_cols else w).parquet(path)


def main(argv):
    args = parse_args(argv)
    spark = SparkSession.builder.appName("callint lint_dump").getOrCreate()
    started = time.time()
    lines = input_lines(spark, args)
    if args.partitions:
        lines = lines.repartition(args.partitions)
    rows = lines.mapPartitions(lint_partition(args))
    if args.lint_only:
        n = rows.count()
        print("== linted in %.1fs: %d lines from callint" % (time.time() - started, n))
        spark.stop()
        return
    schema = T.StructType([T.StructField("kind", T.StringType()), T.StructField("date", T.StringType()),
                           T.StructField("pack", T.StringType()), T.StructField("value", T.StringType())])
    # Written three ways and counted: keep what callint printed so it runs once per partition.
    df = spark.createDataFrame(rows, schema).persist(StorageLevel.DISK_ONLY)
    out = args.output.rstrip("/")
    write(df, "finding", out + "/findings", args.output_format, ["date", "pack"], FINDING)
    write(df, "call", out + "/calls", args.output_format, ["date"], CALL)
    runs = T.StructType([T.StructField("type", T.StringType()), T.StructField("reason", T.StringType())])
    write(df, ("problem", "summary"), out + "/runs", "jsonl", [], runs)

    findings = df.where(F.col("kind") == "finding").select(
        F.get_json_object("value", "$.rule").alias("rule"),
        F.get_json_object("value", "$.severity").alias("severity"),
        F.get_json_object("value", "$.agent_id").alias("agent_id"))
    calls = df.where(F.col("kind") == "call").select(F.from_json("value", CALL).alias("c")).select("c.*")
    summaries = df.where(F.col("kind") == "summary").select(F.col("value")).collect()
    totals = {"calls": 0, "utterances": 0, "records_skipped": 0, "pieces": len(summaries)}
    for (value,) in summaries:
        s = json.loads(value)
        totals["calls"] += s["calls"]
        totals["utterances"] += s["utterances"]
        totals["records_skipped"] += s["skipped"]["records"]

    print("\n== callint on Spark: %(pieces)d pieces, %(calls)d calls, %(utterances)d utterances, "
          "%(records_skipped)d records skipped" % totals)
    print("== findings per rule")
    per_rule = findings.groupBy("rule", "severity").count().orderBy(F.desc("count"), "rule").collect()
    for r in per_rule:
        print("%8d  %-10s %s" % (r["count"], r["rule"], r["severity"]))
    print("%8d  total" % sum(r["count"] for r in per_rule))
    print("== findings per agent (top %d by errors, then warnings)" % args.top)
    per_agent = (calls.groupBy("agent_id")
                 .agg(F.count("*").alias("calls"), F.sum("findings.error").alias("error"),
                      F.sum("findings.warning").alias("warning"), F.sum("findings.info").alias("info"))
                 .orderBy(F.desc("error"), F.desc("warning"), "agent_id").limit(args.top).collect())
    print("   agent     calls  error  warning  info")
    for r in per_agent:
        print("   %-8s %6d %6d %8d %5d" % (r["agent_id"], r["calls"], r["error"], r["warning"], r["info"]))
    print("== wrote %s/{findings,calls,runs} (%s) in %.1fs" % (out, args.output_format, time.time() - started))
    df.unpersist()
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
