"""Seeds a fresh Kinderen Eerst server through its API, as a client would, and prints JSON with a
token per role and the ids it made (read by schemathesis.sh and the client flows).

    python3 seed.py BASE_URL COORDINATOR_ONE_TIME_PASSWORD > seed.json

Standard library only. Makes: a school, a social worker and a school account for it (SPOC
assignment), a submitted checklist, a second one triaged into a case with a consent and a sent
referral, a school request, and a partner account of the referral's partner organisation.
"""

import datetime
import json
import sys
import urllib.error
import urllib.request

COORDINATOR = "coordinator@kinderen-eerst.local"
# The coordinator sets a one-time password for each account; its owner chooses their own at
# the first login (until then only GET /me and POST /me/password answer). Second item: the
# coordinator's one-time password, third: the owner's own.
WORKER = ("wendy.contract@ocmw.example", "Eenmalig-Wachtwoord-Wendy-4821", "Wendy-Kiest-Haar-Eigen-Zin-77")
SCHOOL = ("zorg.contract@luchtballon.example", "Eenmalig-Wachtwoord-School-9314", "De-Luchtballon-Zorgt-Voor-Iedereen-5")
PARTNER = ("onthaal.contract@partner.example", "Eenmalig-Wachtwoord-Partner-6620", "Het-Onthaal-Antwoordt-Zelf-Op-Tijd-8")
COORDINATOR_OWN = "Programma-Eigen-Wachtwoord-Contract-31"


class Api:
    def __init__(self, base):
        self.base = base.rstrip("/")
        self.token = None

    def call(self, method, path, body=None, expect=(200, 201)):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if self.token:
            req.add_header("Authorization", "Bearer " + self.token)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        if status not in expect:
            raise SystemExit(f"seed: {method} {path} answered {status}: {raw[:500]!r}")
        return json.loads(raw) if raw else None

    def login(self, email, password):
        self.token = None
        self.token = self.call("POST", "/api/v1/auth/login", {"email": email, "password": password})[
            "access_token"
        ]
        return self.token

    def first_login(self, email, one_time, own):
        """Logs in with a one-time password and replaces it with the owner's own; the answer's
        token is the one that works (the change ends the one-time session)."""
        self.login(email, one_time)
        self.token = self.call(
            "POST", "/api/v1/me/password", {"current_password": one_time, "new_password": own}
        )["access_token"]
        return self.token


def main():
    base, coordinator_password = sys.argv[1], sys.argv[2]
    today = datetime.date.today().isoformat()
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    coord = Api(base)
    coordinator_token = coord.first_login(COORDINATOR, coordinator_password, COORDINATOR_OWN)
    network = next(n for n in coord.call("GET", "/api/v1/networks")["items"] if n["name"] == "Luchtbal")
    school = coord.call(
        "POST",
        "/api/v1/schools",
        {
            "network_id": network["id"],
            "name": "Basisschool De Luchtballon",
            "institution_number": "012345",
            "level": "primary",
            "pupil_count": 240,
        },
    )
    worker = coord.call(
        "POST",
        "/api/v1/users",
        {"email": WORKER[0], "display_name": "Wendy Willems", "role": "social_worker", "password": WORKER[1]},
    )
    school_user = coord.call(
        "POST",
        "/api/v1/users",
        {
            "email": SCHOOL[0],
            "display_name": "Sara Janssens",
            "role": "school",
            "school_id": school["id"],
            "password": SCHOOL[1],
        },
    )
    assignment = coord.call(
        "POST",
        "/api/v1/assignments",
        {"worker_id": worker["id"], "school_id": school["id"], "mode": "spoc", "valid_from": today},
    )

    # The school signals two pupils.
    sch = Api(base)
    school_token = sch.first_login(*SCHOOL)
    version = sch.call("GET", "/api/v1/checklist-versions/current")
    codes = [item["code"] for section in version["sections"] for item in section["items"]]

    def submit(pseudonym):
        return sch.call(
            "POST",
            "/api/v1/checklist-submissions",
            {
                "version_id": version["id"],
                "pupil_pseudonym": pseudonym,
                "birth_year": 2016,
                "class_name": "3B",
                "concern": "medium",
                "context": "Komt vaak zonder lunch.",
                "parents_informed": True,
                "answers": [{"code": c, "answer": "yes" if i % 3 == 0 else "no"} for i, c in enumerate(codes)],
            },
        )

    waiting = submit("Vlinder")
    handled = submit("Zonnebloem")
    request = sch.call(
        "POST",
        "/api/v1/case-requests",
        {"pupil": {"pseudonym": "4A-03", "birth_year": 2015, "class": "4A"}, "question": "Hulp bij schoolkosten?"},
        expect=(200, 201),
    )

    # Its worker triages one into a case, with a consent and a sent referral.
    wrk = Api(base)
    worker_token = wrk.first_login(*WORKER)
    wrk.call("POST", f"/api/v1/checklist-submissions/{handled['id']}/triage", {"note": "Gezin contacteren."})
    case = wrk.call("POST", f"/api/v1/checklist-submissions/{handled['id']}/open-case", {})
    service = wrk.call("GET", "/api/v1/services?limit=1")["items"][0]
    consent = wrk.call(
        "POST",
        f"/api/v1/cases/{case['id']}/consents",
        {
            "kind": "refer_to_partner",
            "partner_id": service["partner"]["id"],
            "given_by": "parent",
            "method": "verbal",
            "given_at": now,
        },
    )
    referral = wrk.call("POST", f"/api/v1/cases/{case['id']}/referrals", {"service_id": service["id"]})
    wrk.call("POST", f"/api/v1/referrals/{referral['id']}/send", {"comment": "Aangekondigd."})

    # The referral's partner organisation answers it through its own account.
    partner_user = coord.call(
        "POST",
        "/api/v1/users",
        {
            "email": PARTNER[0],
            "display_name": "Onthaal partner",
            "role": "partner",
            "partner_id": service["partner"]["id"],
            "password": PARTNER[1],
        },
    )
    prt = Api(base)
    partner_token = prt.first_login(*PARTNER)
    prt.call("GET", "/api/v1/partner/inbox")

    json.dump(
        {
            "base_url": base,
            "tokens": {
                "coordinator": coordinator_token,
                "social_worker": worker_token,
                "school": school_token,
                "partner": partner_token,
            },
            "accounts": {
                "coordinator": {"email": COORDINATOR, "password": COORDINATOR_OWN},
                "social_worker": {"email": WORKER[0], "password": WORKER[2]},
                "school": {"email": SCHOOL[0], "password": SCHOOL[2]},
                "partner": {"email": PARTNER[0], "password": PARTNER[2]},
            },
            "ids": {
                "network": network["id"],
                "school": school["id"],
                "worker": worker["id"],
                "school_user": school_user["id"],
                "partner_user": partner_user["id"],
                "assignment": assignment["id"],
                "checklist_version": version["id"],
                "submission": waiting["id"],
                "case": case["id"],
                "case_request": request.get("id") if isinstance(request, dict) else None,
                "consent": consent["id"],
                "service": service["id"],
                "partner": service["partner"]["id"],
                "referral": referral["id"],
            },
        },
        sys.stdout,
        indent=2,
    )
    print()


if __name__ == "__main__":
    main()
