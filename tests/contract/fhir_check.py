"""Validates the FHIR endpoints' answers with the R4 models of `fhir.resources` (its R4B
package: R4's technical correction, the same JSON for Task, ServiceRequest, Bundle and
OperationOutcome), offline. Reads, searches, one status update round trip and the errors, each
answer checked for its content type, its resource type and the model.

    python fhir_check.py BASE_URL SEED_JSON
"""

import json
import sys
import urllib.error
import urllib.request
import uuid

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

MODELS = {
    "Task": Task,
    "ServiceRequest": ServiceRequest,
    "Bundle": Bundle,
    "OperationOutcome": OperationOutcome,
}

# The models check structure and types, not the required value sets: these are checked here.
TASK_STATUS = {"draft", "requested", "received", "accepted", "rejected", "ready", "cancelled",
               "in-progress", "on-hold", "failed", "completed", "entered-in-error"}
REQUEST_STATUS = {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"}
ISSUE_TYPES = {"invalid", "structure", "required", "value", "invariant", "security", "login", "unknown",
               "expired", "forbidden", "suppressed", "processing", "not-supported", "duplicate",
               "multiple-matches", "not-found", "deleted", "too-long", "code-invalid", "extension",
               "too-costly", "business-rule", "conflict", "transient", "lock-error", "no-store",
               "exception", "timeout", "incomplete", "throttled", "informational"}


def codes(doc):
    """The required codes of a resource are in their value sets."""
    kind = doc["resourceType"]
    if kind == "Task":
        assert doc["status"] in TASK_STATUS, f"Task.status {doc['status']!r}"
        assert doc["intent"] == "order", f"Task.intent {doc['intent']!r}"
    elif kind == "ServiceRequest":
        assert doc["status"] in REQUEST_STATUS, f"ServiceRequest.status {doc['status']!r}"
        assert doc["intent"] == "order", f"ServiceRequest.intent {doc['intent']!r}"
    elif kind == "OperationOutcome":
        for issue in doc["issue"]:
            assert issue["severity"] in {"fatal", "error", "warning", "information"}, issue
            assert issue["code"] in ISSUE_TYPES, f"issue.code {issue['code']!r}"
    elif kind == "Bundle":
        assert doc["type"] == "searchset", doc["type"]
        for entry in doc.get("entry", []):
            codes(entry["resource"])


failures = []
checked = 0


def call(base, token, method, path, body=None, content_type=None, headers=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + token)
    req.add_header("Accept", "application/fhir+json")
    if content_type:
        req.add_header("Content-Type", content_type)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def check(what, answer, status, resource_type):
    """The answer has this status, is application/fhir+json and a valid R4 `resource_type`."""
    global checked
    checked += 1
    code, headers, raw = answer
    ctype = headers.get("Content-Type", "")
    try:
        assert code == status, f"status {code}, expected {status}: {raw[:300]!r}"
        assert ctype.startswith("application/fhir+json"), f"content type {ctype!r}"
        doc = json.loads(raw)
        assert doc.get("resourceType") == resource_type, f"resourceType {doc.get('resourceType')!r}"
        MODELS[resource_type].model_validate(doc)
        if resource_type == "Bundle":
            for entry in doc.get("entry", []):
                Task.model_validate(entry["resource"])
        codes(doc)
        print(f"ok    {what}: {status} {resource_type}")
        return doc
    except Exception as e:  # noqa: BLE001 - every failure is reported, the run goes on
        failures.append(f"{what}: {e}")
        print(f"FAIL  {what}: {e}")
        return None


def main():
    base, seed = sys.argv[1].rstrip("/"), json.load(open(sys.argv[2]))
    token = seed["tokens"]["social_worker"]
    ref = seed["ids"]["referral"]
    partner = seed["ids"]["partner"]

    task = check("read Task", call(base, token, "GET", f"/fhir/r4/Task/{ref}"), 200, "Task")
    check("read ServiceRequest", call(base, token, "GET", f"/fhir/r4/ServiceRequest/{ref}"), 200, "ServiceRequest")
    check("search Tasks", call(base, token, "GET", "/fhir/r4/Task"), 200, "Bundle")
    check(
        "search Tasks by owner, status and _lastUpdated, one per page",
        call(
            base,
            token,
            "GET",
            f"/fhir/r4/Task?owner=Organization/{partner}&status=requested,accepted&_lastUpdated=ge2000-01-01&_count=1",
        ),
        200,
        "Bundle",
    )
    check("unknown Task", call(base, token, "GET", f"/fhir/r4/Task/{uuid.uuid4()}"), 404, "OperationOutcome")
    check("unknown search parameter", call(base, token, "GET", "/fhir/r4/Task?_sort=status"), 422, "OperationOutcome")
    check("no token", call(base, "", "GET", f"/fhir/r4/Task/{ref}"), 401, "OperationOutcome")
    check(
        "school account",
        call(base, seed["tokens"]["school"], "GET", f"/fhir/r4/Task/{ref}"),
        403,
        "OperationOutcome",
    )
    patch = "application/json-patch+json"
    check(
        "illegal step (requested -> completed)",
        call(base, token, "PATCH", f"/fhir/r4/Task/{ref}", [{"op": "replace", "path": "/status", "value": "completed"}], patch),
        409,
        "OperationOutcome",
    )
    check(
        "rejected without statusReason",
        call(base, token, "PATCH", f"/fhir/r4/Task/{ref}", [{"op": "replace", "path": "/status", "value": "rejected"}], patch),
        422,
        "OperationOutcome",
    )
    version = (task or {}).get("meta", {}).get("versionId", "0")
    check(
        "accept with If-Match",
        call(
            base,
            token,
            "PATCH",
            f"/fhir/r4/Task/{ref}",
            [{"op": "replace", "path": "/status", "value": "accepted"}],
            patch,
            {"If-Match": f'W/"{version}"'},
        ),
        200,
        "Task",
    )
    check(
        "stale If-Match",
        call(
            base,
            token,
            "PATCH",
            f"/fhir/r4/Task/{ref}",
            [{"op": "replace", "path": "/status", "value": "in-progress"}],
            patch,
            {"If-Match": f'W/"{version}"'},
        ),
        412,
        "OperationOutcome",
    )
    check(
        "start",
        call(base, token, "PATCH", f"/fhir/r4/Task/{ref}", [{"op": "replace", "path": "/status", "value": "in-progress"}], patch),
        200,
        "Task",
    )
    done = check(
        "complete with an output",
        call(
            base,
            token,
            "PATCH",
            f"/fhir/r4/Task/{ref}",
            [
                {"op": "replace", "path": "/status", "value": "completed"},
                {
                    "op": "add",
                    "path": "/output",
                    "value": [
                        {
                            "type": {
                                "coding": [
                                    {
                                        "system": "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes",
                                        "code": "resulting-activity",
                                    }
                                ]
                            },
                            "valueCodeableConcept": {"text": "Afbetalingsplan afgesproken."},
                        }
                    ],
                },
            ],
            patch,
        ),
        200,
        "Task",
    )
    if done is not None and done.get("status") != "completed":
        failures.append(f"complete: status {done.get('status')!r}")
    check("completed ServiceRequest", call(base, token, "GET", f"/fhir/r4/ServiceRequest/{ref}"), 200, "ServiceRequest")

    print(f"fhir: {checked - len(failures)} of {checked} answers valid FHIR R4")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
