#!/usr/bin/env python3
"""DuckDB baseline for the ingest benchmark: token sums by model and day with read_ndjson and an
explicit schema of only the needed columns (DuckDB's fastest form; both cores).
usage: duckdb_model_day.py 'GLOB'   prints modelId, day, calls, input, output, cache read, cache write (TSV)"""
import sys

import duckdb

src = ("read_ndjson('%s', columns={'timestamp': 'VARCHAR', 'modelId': 'VARCHAR', "
       "'input': 'STRUCT(inputTokenCount BIGINT, cacheReadInputTokenCount BIGINT, cacheWriteInputTokenCount BIGINT)', "
       "'output': 'STRUCT(outputTokenCount BIGINT)'})" % sys.argv[1])
q = """SELECT modelId, left("timestamp", 10) AS day, count(*),
       coalesce(sum(input.inputTokenCount), 0), coalesce(sum(output.outputTokenCount), 0),
       coalesce(sum(input.cacheReadInputTokenCount), 0), coalesce(sum(input.cacheWriteInputTokenCount), 0)
FROM %s GROUP BY ALL ORDER BY ALL""" % src
for row in duckdb.connect().execute(q).fetchall():
    sys.stdout.write("\t".join(map(str, row)) + "\n")
