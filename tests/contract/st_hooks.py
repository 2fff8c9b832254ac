"""Schemathesis hooks for schemathesis.sh (loaded through SCHEMATHESIS_HOOKS).

Every check runs (`--checks all`). One judgement needs the API's own vocabulary, and it is made
here, in the open, with the run's summary counting what it dropped:

* A 412 to a schema-valid `If-Match` is the server saying the object changed since (a state);
  schemathesis.sh adds 412 to the statuses positive data may get.
* "Schema-valid request rejected" (positive data acceptance) says the server refused a request
  the document allows. That is a broken contract when the refusal is a rule the document could
  state (a length, a range, a pattern, a format, an enum, a required field): those must be in the
  document, and this hook never excuses them. It is not when the rule is about stored data or the
  clock: a school id that names no school, a worker who is not active, a key used before for
  another request, a visit with no session that day. No schema can say which ids exist. Such a
  422 names its rule in the problem's `code` (and each field error's `code`); a rejection whose
  every code is in EXCUSED (rules on stored data or the clock, rules between two fields, rules on
  what a text says) is dropped, any other fails the run.

And one map: a client makes a fresh `Idempotency-Key` for every new request. Schemathesis draws
keys from the schema, so two different requests would often share one (the same boundary value),
and the second would be refused as a reuse before the operation runs; in positive cases each
request gets a fresh UUID instead (negative cases keep their invalid keys).
"""

import json
import uuid

import schemathesis
from schemathesis.openapi.checks import RejectedPositiveData

# Problem codes of rules on stored data, on other objects' states or on the time: a schema-valid
# request can break them, and no JSON Schema keyword can state them.
STATE_RULES = {
    # ids that name nothing (or nothing of the right kind) in this database
    "no_such_school",
    "no_such_partner",
    "no_such_network",
    "no_such_theme",
    "no_such_service",
    "no_such_user",
    "no_such_worker",
    "no_such_case",
    "no_such_session",
    "no_such_template",
    "no_such_version",
    "unknown_theme",
    "unknown_network",
    "unknown_partner",
    "retired_theme",
    "inactive_network",
    "inactive_partner",
    "active_social_worker",
    "substitute_not_absent_worker",
    "only_school_accounts_have_school",
    "only_partner_accounts_have_partner",
    "not_network_school",
    "no_workers_with_capacity",
    "no_session_on_date",
    "not_network_school",
    "theme_retired",
    "theme_unknown",
    "network_inactive",
    "was_not_invited",
    "no_published_version_with_id",
    "you_not_assigned_to_school",
    "worker_not_assigned_to_case_school",
    "case_not_linkable",
    "session_logged_on_or_after",
    "no_such_active_worker",
    "item_not_answered",
    "version_needs_item",
    "version_has_no_item",
    # who asks: a partner's statistics are its own organisation's, whatever the filter
    "not_for_partners",
    # the clock: a day that has passed by now, a time still to come, a school age this year
    "not_in_past",
    "not_in_future",
    "birth_year_school_age",
    # a cursor is a value the server hands out (`next_cursor`), not one a client makes up
    "cursor_invalid",
    "fhir.cursor_invalid",
    # the calendar: a day that matches the pattern but does not exist (30 February)
    "fhir.date_invalid",
}

# Rules between two fields of one request (`valid_to` not before `valid_from`; a weekly slot only
# for office hours; grouping by theme only for cases). JSON Schema could state some of them only
# with conditionals that generated clients cannot use; each field's description states them.
CROSS_FIELD_RULES = {
    "not_before",
    "weekly_slot_office_hours_only",
    "theme_groups_cases_only",
    "referrals_not_grouped",
    "only_partner_accounts_have_partner",
    "only_school_accounts_have_school",
    "end_after_start",
    "office_hours_start",
    "office_hours_end",
    "office_hours_weekday",
    "range_max_days",
    "closed_period_max_year",
    "school_stats_one_year",
    "month_groups_at_most",
    "publicity_counts_only",
    "not_schools_network",
    "checklist_cases_by_triage",
    "partner_account_needs_partner",
    "only_moved_has_new_time",
    "fhir.patch_path_unsupported",
    "fhir.patch_status_required",
    "school_or_network_required",
    "partner_required_for_referral",
    "moved_needs_new_time",
    "partner_only_for_referral",
    # the same code or id twice in one list (for lists of objects no keyword can say it)
    "listed_twice",
    "code_listed_twice",
    "item_code_twice",
    "section_code_twice",
}

# Rules on what a text says, beyond its shape: a guessable password (zxcvbn), a CSV upload's
# header row, a FHIR JSON Patch value that does not fit the path it replaces.
CONTENT_RULES = {
    "password_guessable",
    "csv_column_missing",
    "csv_partner_column_missing",
    "csv_column_not_expected",
    "csv_column_unknown",
    "csv_column_twice",
    "csv_line_malformed",
    "csv_malformed",
    "csv_not_csv",
    "csv_number_twice",
    # free text is screened for a family's data it must not carry (e-mail, IBAN, national number)
    "screened_text",
    # a text of spaces only says nothing (required texts are trimmed)
    "blank",
    "pseudonym_looks_like_name",
    "fhir.patch_value_invalid",
}

EXCUSED = STATE_RULES | CROSS_FIELD_RULES | CONTENT_RULES


def _codes(response):
    try:
        problem = json.loads(response.content)
    except (ValueError, TypeError):
        return set()
    if not isinstance(problem, dict):
        return set()
    if problem.get("resourceType") == "OperationOutcome":
        return {
            coding.get("code")
            for issue in problem.get("issue") or []
            for coding in (issue.get("details") or {}).get("coding") or []
        }
    errors = problem.get("errors") or []
    codes = {e.get("code") for e in errors if isinstance(e, dict)}
    return codes or {problem.get("code")}


@schemathesis.hook
def filter_failure(context, failure, case, response):
    if isinstance(failure, RejectedPositiveData) and response.status_code == 422:
        codes = _codes(response)
        if codes and codes <= EXCUSED:
            return False
    return True


@schemathesis.hook
def map_case(context, case):
    meta = case.meta
    positive = meta is not None and meta.generation.mode.is_positive
    if positive and case.headers and "Idempotency-Key" in case.headers:
        case.headers["Idempotency-Key"] = str(uuid.uuid4())
    return case
