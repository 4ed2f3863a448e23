"""Log records for the Athena tests: a good one, its duplicate, and one of each kind of record
bedrock-lens does not price (no timestamp, no schemaType, a count that is not a number, a
successful call without its input count, a line that is not JSON, an implausible count, another
schema)."""
import json


def rec(rid, **over):
    r = {"schemaType": "ModelInvocationLog", "schemaVersion": "1.0", "timestamp": "2026-10-05T10:00:00Z",
         "accountId": "111122223333", "identity": {"arn": "arn:aws:iam::111122223333:user/u"}, "region": "us-east-1",
         "requestId": rid, "operation": "Converse", "modelId": "amazon.nova-micro-v1:0",
         "input": {"inputTokenCount": 100}, "output": {"outputTokenCount": 10}}
    for k, v in over.items():
        if v is None:
            r.pop(k, None)
        else:
            r[k] = v
    return json.dumps(r)


def bad_lines():
    return [
        rec("a"),
        rec("a"),
        rec("b", timestamp=None),
        rec("c", schemaType=None),
        rec("d", input={"inputTokenCount": "lots"}),
        rec("e", input={"cacheReadInputTokenCount": 5}),
        "{not json",
        rec("f", input={"inputTokenCount": 200000000}),
        rec("g", schemaType="SomethingElse"),
    ]
