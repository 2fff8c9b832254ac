//! The tables, written once for both backends (portable column types only).
//! Ids are UUIDs stored as text; timestamps are UTC.

diesel::table! {
    settings (key) {
        key -> Text,
        value -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    login_throttle (key) {
        key -> Text,
        failures -> Integer,
        window_started_at -> Timestamp,
    }
}

diesel::table! {
    networks (id) {
        id -> Text,
        name -> Text,
        city -> Text,
        description -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    schools (id) {
        id -> Text,
        network_id -> Text,
        name -> Text,
        institution_number -> Text,
        level -> Text,
        street -> Text,
        postal_code -> Text,
        city -> Text,
        pupil_count -> Integer,
        ses_any -> Nullable<Double>,
        ses_home_language -> Nullable<Double>,
        ses_maternal_education -> Nullable<Double>,
        ses_school_allowance -> Nullable<Double>,
        ses_neighbourhood -> Nullable<Double>,
        preferred_presence -> Nullable<Text>,
        wishes_note -> Text,
        contact_name -> Text,
        contact_email -> Text,
        contact_phone -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        wish_weekdays -> Text,
        wish_start_time -> Nullable<Time>,
        wish_end_time -> Nullable<Time>,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        display_name -> Text,
        role -> Text,
        school_id -> Nullable<Text>,
        active -> Bool,
        password_hash -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        credentials_version -> Integer,
        must_change_password -> Bool,
        password_changed_at -> Nullable<Timestamp>,
        password_reset_at -> Nullable<Timestamp>,
        password_reset_by -> Nullable<Text>,
        partner_id -> Nullable<Text>,
        weekly_capacity_hours -> Nullable<Integer>,
    }
}

diesel::joinable!(schools -> networks (network_id));
diesel::joinable!(users -> schools (school_id));

diesel::table! {
    themes (code) {
        code -> Text,
        label_nl -> Text,
        label_en -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    partners (id) {
        id -> Text,
        parent_id -> Nullable<Text>,
        name -> Text,
        kind -> Text,
        description -> Text,
        website -> Text,
        phone -> Text,
        email -> Text,
        street -> Text,
        postal_code -> Text,
        city -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    services (id) {
        id -> Text,
        partner_id -> Text,
        name -> Text,
        description -> Text,
        eligibility -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        email -> Text,
        url -> Text,
    }
}

diesel::table! {
    service_themes (service_id, theme_code) {
        service_id -> Text,
        theme_code -> Text,
    }
}

diesel::table! {
    service_networks (service_id, network_id) {
        service_id -> Text,
        network_id -> Text,
    }
}

diesel::table! {
    service_contacts (id) {
        id -> Text,
        service_id -> Text,
        position -> Integer,
        name -> Text,
        function -> Text,
        phone -> Text,
        email -> Text,
    }
}

diesel::table! {
    assignments (id) {
        id -> Text,
        worker_id -> Text,
        school_id -> Text,
        mode -> Text,
        weekday -> Nullable<Integer>,
        start_time -> Nullable<Time>,
        end_time -> Nullable<Time>,
        valid_from -> Date,
        valid_to -> Nullable<Date>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(services -> partners (partner_id));
diesel::joinable!(service_themes -> themes (theme_code));
diesel::joinable!(service_networks -> networks (network_id));
diesel::joinable!(service_themes -> services (service_id));
diesel::joinable!(service_networks -> services (service_id));
diesel::joinable!(service_contacts -> services (service_id));
diesel::joinable!(assignments -> schools (school_id));
diesel::joinable!(assignments -> users (worker_id));

diesel::table! {
    case_counters (year) {
        year -> Integer,
        last -> Integer,
    }
}

diesel::table! {
    cases (id) {
        id -> Text,
        reference -> Text,
        school_id -> Text,
        origin -> Text,
        priority -> Text,
        known_to_ocmw -> Nullable<Bool>,
        status -> Text,
        outcome -> Nullable<Text>,
        outcome_note -> Nullable<Text>,
        lead_worker_id -> Nullable<Text>,
        opened_at -> Timestamp,
        first_contact_at -> Nullable<Timestamp>,
        first_contact_days -> Nullable<Integer>,
        closed_at -> Nullable<Timestamp>,
        pupil_pseudonym -> Nullable<Text>,
        pupil_birth_year -> Nullable<Integer>,
        pupil_class -> Nullable<Text>,
        question -> Nullable<Text>,
        family_name -> Nullable<Text>,
        family_phone -> Nullable<Text>,
        family_language -> Nullable<Text>,
        interpreter_needed -> Nullable<Bool>,
        feedback_for_school -> Nullable<Text>,
        feedback_at -> Nullable<Timestamp>,
        submission_id -> Nullable<Text>,
        erased_at -> Nullable<Timestamp>,
        erasure_reason -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        feedback_consent_id -> Nullable<Text>,
        /// When the worker means to look again (a waiting case past it is in the inbox).
        follow_up_on -> Nullable<Date>,
        /// The case's theme codes in order, separated by a space (NULL: none); a copy of its
        /// `case_themes` rows kept by triggers, so a page of cases reads no theme row.
        themes -> Nullable<Text>,
        /// Its school's name and network, and its lead worker's name: copies kept by triggers
        /// (migration 000250), so a page of cases reads no school or user row.
        school_name -> Text,
        school_network_id -> Text,
        lead_worker_name -> Nullable<Text>,
    }
}

diesel::table! {
    case_themes (case_id, theme_code) {
        case_id -> Text,
        theme_code -> Text,
        /// The case's, for the statistics (see migration 000100).
        opened_at -> Nullable<Timestamp>,
        /// The case's, for the statistics (see migration 000100).
        school_id -> Nullable<Text>,
        /// The case's, kept equal by a trigger, for the case list (see migration 000163).
        status -> Nullable<Text>,
    }
}

diesel::table! {
    case_needs (id) {
        id -> Text,
        case_id -> Text,
        text -> Nullable<Text>,
        theme_code -> Nullable<Text>,
        raised_by -> Text,
        author_id -> Text,
        created_at -> Timestamp,
        state -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    case_contacts (id) {
        id -> Text,
        case_id -> Text,
        occurred_at -> Timestamp,
        kind -> Text,
        summary -> Nullable<Text>,
        author_id -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    case_need_history (id) {
        id -> Text,
        need_id -> Text,
        case_id -> Text,
        text -> Nullable<Text>,
        theme_code -> Nullable<Text>,
        raised_by -> Text,
        state -> Text,
        reason -> Text,
        corrected_by -> Text,
        corrected_at -> Timestamp,
    }
}

diesel::table! {
    case_contact_history (id) {
        id -> Text,
        contact_id -> Text,
        case_id -> Text,
        occurred_at -> Timestamp,
        kind -> Text,
        summary -> Nullable<Text>,
        reason -> Text,
        corrected_by -> Text,
        corrected_at -> Timestamp,
    }
}

diesel::table! {
    case_consents (id) {
        id -> Text,
        case_id -> Text,
        kind -> Text,
        partner_id -> Nullable<Text>,
        given_by -> Text,
        method -> Text,
        given_at -> Timestamp,
        withdrawn_at -> Nullable<Timestamp>,
        note -> Nullable<Text>,
        recorded_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        share_contact_with_partner -> Bool,
    }
}

diesel::joinable!(cases -> schools (school_id));
diesel::joinable!(case_themes -> cases (case_id));
diesel::joinable!(case_needs -> cases (case_id));
diesel::joinable!(case_contacts -> cases (case_id));
diesel::joinable!(case_consents -> cases (case_id));

diesel::table! {
    audit_events (seq) {
        seq -> BigInt,
        id -> Text,
        at -> Timestamp,
        actor_id -> Nullable<Text>,
        actor_role -> Text,
        action -> Text,
        object_type -> Text,
        object_id -> Nullable<Text>,
        case_id -> Nullable<Text>,
        request_id -> Text,
        client_addr -> Text,
        prev_hash -> Text,
        hash -> Text,
        object_ids -> Nullable<Text>,
        case_ids -> Nullable<Text>,
    }
}

diesel::table! {
    audit_event_cases (case_id, seq) {
        case_id -> Text,
        seq -> BigInt,
    }
}

diesel::table! {
    audit_checkpoints (seq) {
        seq -> BigInt,
        hash -> Text,
        at -> Timestamp,
        key_id -> Text,
        signature -> Text,
    }
}

diesel::table! {
    audit_pending (pos) {
        pos -> BigInt,
        id -> Text,
        at -> Timestamp,
        actor_id -> Nullable<Text>,
        actor_role -> Text,
        action -> Text,
        object_type -> Text,
        object_id -> Nullable<Text>,
        case_id -> Nullable<Text>,
        request_id -> Text,
        client_addr -> Text,
        object_ids -> Nullable<Text>,
        case_ids -> Nullable<Text>,
    }
}

diesel::table! {
    audit_head (id) {
        id -> Integer,
        seq -> BigInt,
        hash -> Text,
    }
}

diesel::table! {
    checklist_templates (id) {
        id -> Text,
        name -> Text,
        description -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    checklist_versions (id) {
        id -> Text,
        template_id -> Text,
        number -> Integer,
        status -> Text,
        is_current -> Bool,
        intro -> Text,
        published_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    checklist_sections (version_id, code) {
        version_id -> Text,
        code -> Text,
        position -> Integer,
        title -> Text,
    }
}

diesel::table! {
    checklist_items (version_id, code) {
        version_id -> Text,
        code -> Text,
        section_code -> Text,
        position -> Integer,
        text -> Text,
        theme_code -> Text,
        help_text -> Text,
    }
}

diesel::table! {
    checklist_submissions (id) {
        id -> Text,
        school_id -> Text,
        submitted_by -> Text,
        version_id -> Text,
        pupil_pseudonym -> Text,
        birth_year -> Integer,
        class_name -> Text,
        concern -> Text,
        context -> Text,
        parents_informed -> Bool,
        status -> Text,
        triaged_by -> Nullable<Text>,
        triaged_at -> Nullable<Timestamp>,
        triage_note -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        no_action_reason -> Nullable<Text>,
        case_id -> Nullable<Text>,
        case_reference -> Nullable<Text>,
        submitted_at -> Timestamp,
        updated_at -> Timestamp,
        advice_for_school -> Nullable<Text>,
    }
}

diesel::table! {
    checklist_answers (submission_id, item_code) {
        submission_id -> Text,
        item_code -> Text,
        answer -> Text,
        remark -> Nullable<Text>,
    }
}

diesel::joinable!(checklist_versions -> checklist_templates (template_id));
diesel::joinable!(checklist_submissions -> schools (school_id));
diesel::joinable!(checklist_submissions -> checklist_versions (version_id));
diesel::joinable!(checklist_answers -> checklist_submissions (submission_id));

diesel::table! {
    idempotency_keys (user_id, key) {
        user_id -> Text,
        key -> Text,
        request_hash -> Text,
        status -> Nullable<Integer>,
        content_type -> Nullable<Text>,
        location -> Nullable<Text>,
        etag -> Nullable<Text>,
        body -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    referrals (id) {
        id -> Text,
        case_id -> Text,
        service_id -> Text,
        partner_id -> Text,
        message_for_partner -> Nullable<Text>,
        urgency -> Text,
        follow_up_on -> Nullable<Date>,
        status -> Text,
        consent_override_basis -> Nullable<Text>,
        consent_override_reason -> Nullable<Text>,
        partner_contact_name -> Nullable<Text>,
        decline_reason -> Nullable<Text>,
        outcome -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        answered_at -> Nullable<Timestamp>,
        completed_at -> Nullable<Timestamp>,
        last_transition_at -> Timestamp,
        last_transition_on -> Date,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    referral_themes (referral_id, theme_code) {
        referral_id -> Text,
        theme_code -> Text,
    }
}

diesel::table! {
    referral_transitions (id) {
        id -> Text,
        referral_id -> Text,
        from_status -> Nullable<Text>,
        to_status -> Text,
        actor_id -> Text,
        at -> Timestamp,
        comment -> Nullable<Text>,
        on_behalf_of_partner -> Bool,
    }
}

diesel::table! {
    referral_messages (id) {
        id -> Text,
        referral_id -> Text,
        author_id -> Text,
        side -> Text,
        body -> Text,
        at -> Timestamp,
        read_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    outbox_events (position) {
        position -> BigInt,
        event_id -> Text,
        event_type -> Text,
        payload -> Text,
        created_at -> Timestamp,
        partner_id -> Nullable<Text>,
    }
}

diesel::table! {
    webhook_subscriptions (id) {
        id -> Text,
        url -> Text,
        event_types -> Text,
        secret -> Text,
        description -> Text,
        active -> Bool,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        partner_id -> Nullable<Text>,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        subscription_id -> Text,
        event_position -> BigInt,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        claimed_by -> Nullable<Text>,
        last_attempt_at -> Nullable<Timestamp>,
        last_status_code -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        delivered_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(referrals -> cases (case_id));
diesel::joinable!(referrals -> services (service_id));
diesel::joinable!(referrals -> partners (partner_id));
diesel::joinable!(referral_themes -> referrals (referral_id));
diesel::joinable!(referral_transitions -> referrals (referral_id));
diesel::joinable!(referral_transitions -> users (actor_id));
diesel::joinable!(referral_messages -> referrals (referral_id));
diesel::joinable!(webhook_deliveries -> webhook_subscriptions (subscription_id));
diesel::joinable!(webhook_deliveries -> outbox_events (event_position));

diesel::table! {
    closed_periods (id) {
        id -> Text,
        name -> Text,
        first_day -> Date,
        last_day -> Date,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        school_id -> Nullable<Text>,
    }
}

diesel::table! {
    office_hour_exceptions (id) {
        id -> Text,
        assignment_id -> Text,
        session_date -> Date,
        kind -> Text,
        moved_date -> Nullable<Date>,
        moved_start_time -> Nullable<Time>,
        moved_end_time -> Nullable<Time>,
        reason -> Text,
        recorded_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    office_hour_logs (id) {
        id -> Text,
        assignment_id -> Text,
        session_date -> Date,
        contacts -> Integer,
        note -> Text,
        logged_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    calendar_tokens (user_id) {
        user_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        rotated_at -> Timestamp,
    }
}

diesel::table! {
    consult_requests (id) {
        id -> Text,
        school_id -> Text,
        reason -> Text,
        urgency -> Text,
        preferred_dates -> Text,
        status -> Text,
        scheduled_date -> Nullable<Date>,
        scheduled_start_time -> Nullable<Time>,
        scheduled_end_time -> Nullable<Time>,
        worker_id -> Nullable<Text>,
        outcome_note -> Nullable<Text>,
        cancel_reason -> Nullable<Text>,
        case_id -> Nullable<Text>,
        requested_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    consult_request_themes (consult_id, theme_code) {
        consult_id -> Text,
        theme_code -> Text,
    }
}

diesel::table! {
    meetings (id) {
        id -> Text,
        network_id -> Text,
        title -> Text,
        meeting_date -> Date,
        start_time -> Nullable<Time>,
        place -> Text,
        minutes -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    meeting_invitees (id) {
        id -> Text,
        meeting_id -> Text,
        school_id -> Nullable<Text>,
        partner_id -> Nullable<Text>,
        attended -> Nullable<Bool>,
    }
}

diesel::table! {
    agenda_items (id) {
        id -> Text,
        meeting_id -> Text,
        position -> Integer,
        title -> Text,
        theme_code -> Nullable<Text>,
        description -> Text,
        school_id -> Nullable<Text>,
        author_id -> Text,
        created_at -> Timestamp,
        status -> Text,
        return_reason -> Nullable<Text>,
        updated_at -> Timestamp,
        case_id -> Nullable<Text>,
    }
}

diesel::table! {
    action_points (id) {
        id -> Text,
        meeting_id -> Text,
        description -> Text,
        owner -> Text,
        due_date -> Nullable<Date>,
        done -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    activities (id) {
        id -> Text,
        kind -> Text,
        title -> Text,
        activity_date -> Date,
        school_id -> Nullable<Text>,
        network_id -> Nullable<Text>,
        participants -> Integer,
        description -> Text,
        owner_id -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        posters -> Integer,
        folders -> Integer,
    }
}

diesel::table! {
    activity_audiences (activity_id, audience) {
        activity_id -> Text,
        audience -> Text,
    }
}

diesel::table! {
    activity_themes (activity_id, theme_code) {
        activity_id -> Text,
        theme_code -> Text,
    }
}

diesel::joinable!(office_hour_exceptions -> assignments (assignment_id));
diesel::joinable!(office_hour_logs -> assignments (assignment_id));
diesel::joinable!(consult_requests -> schools (school_id));
diesel::joinable!(consult_request_themes -> consult_requests (consult_id));
diesel::joinable!(meetings -> networks (network_id));
diesel::joinable!(meeting_invitees -> meetings (meeting_id));
diesel::joinable!(agenda_items -> meetings (meeting_id));
diesel::joinable!(action_points -> meetings (meeting_id));
diesel::joinable!(activity_audiences -> activities (activity_id));
diesel::joinable!(activity_themes -> activities (activity_id));

diesel::table! {
    /// When an account last marked its inbox as seen.
    inbox_seen (user_id) {
        user_id -> Text,
        seen_at -> Timestamp,
    }
}

diesel::table! {
    allocation_plans (id) {
        id -> Text,
        period_from -> Date,
        period_to -> Date,
        status -> Text,
        created_by -> Text,
        applied_at -> Nullable<Timestamp>,
        applied_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    allocation_plan_lines (id) {
        id -> Text,
        plan_id -> Text,
        worker_id -> Text,
        school_id -> Text,
        mode -> Text,
        weekday -> Nullable<Integer>,
        start_time -> Nullable<Time>,
        end_time -> Nullable<Time>,
        hours -> Double,
        reasons -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    worker_absences (id) {
        id -> Text,
        worker_id -> Text,
        kind -> Text,
        first_day -> Date,
        last_day -> Date,
        substitute_id -> Nullable<Text>,
        recorded_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    settings,
    networks,
    schools,
    users,
    themes,
    partners,
    services,
    service_themes,
    service_networks,
    service_contacts,
    assignments,
    case_counters,
    cases,
    case_themes,
    case_needs,
    case_contacts,
    case_need_history,
    case_contact_history,
    case_consents,
    audit_checkpoints,
    audit_events,
    audit_event_cases,
    audit_head,
    audit_pending,
    checklist_templates,
    checklist_versions,
    checklist_sections,
    checklist_items,
    checklist_submissions,
    checklist_answers,
    idempotency_keys,
    referrals,
    referral_themes,
    referral_transitions,
    referral_messages,
    outbox_events,
    webhook_subscriptions,
    webhook_deliveries,
    closed_periods,
    office_hour_exceptions,
    office_hour_logs,
    calendar_tokens,
    consult_requests,
    consult_request_themes,
    meetings,
    meeting_invitees,
    agenda_items,
    action_points,
    activities,
    activity_audiences,
    activity_themes,
    login_throttle,
    inbox_seen,
    allocation_plans,
    allocation_plan_lines,
    worker_absences
);
