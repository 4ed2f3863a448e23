#!/usr/bin/env python3
"""Invocation logs with heavy prompt repetition, for the caching-estimator benchmark: 40 applications
(system prompts of ~2 KB), conversations of 1-4 turns a minute apart, Claude Sonnet 4.5 global, over
October 2026. Deterministic. usage: gen_repeated_prompts.py OUT.jsonl [RECORDS (default 1,000,000)]"""
import datetime, json, random
random.seed(7)
sys_prompts = ["You are assistant %d. " % i + "policy " * 300 for i in range(40)]
import sys
N = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
out = open(sys.argv[1], "w")
n = 0
t0 = 1790812800  # 2026-10-01T00:00:00Z
while n < N:
    app = random.randrange(40)
    turns = random.randint(1, 4)
    start = t0 + random.randrange(31 * 86400 - 600)
    msgs = []
    for k in range(turns):
        msgs.append({"role": "user", "content": [{"text": "question %d %d" % (n, k)}]})
        body = {"system": [{"text": sys_prompts[app]}], "messages": list(msgs)}
        tokens = 600 + 20 * len(json.dumps(msgs))
        ts = start + 60 * k
        r = {"schemaType": "ModelInvocationLog", "schemaVersion": "1.0",
             "timestamp": "%sZ" %  datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"),
             "accountId": "111122223333", "identity": {"arn": "arn:aws:sts::111122223333:assumed-role/app%d/s" % app},
             "region": "us-east-1", "requestId": "r%d" % n, "operation": "Converse",
             "modelId": "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
             "input": {"inputContentType": "application/json", "inputBodyJson": body, "inputTokenCount": tokens,
                       "cacheReadInputTokenCount": 0, "cacheWriteInputTokenCount": 0},
             "output": {"outputContentType": "application/json", "outputBodyJson": {"text": "answer"}, "outputTokenCount": 50}}
        out.write(json.dumps(r) + "\n")
        msgs.append({"role": "assistant", "content": [{"text": "answer %d" % k}]})
        n += 1
out.close()
