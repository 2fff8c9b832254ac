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
    }
}

diesel::joinable!(schools -> networks (network_id));
diesel::joinable!(users -> schools (school_id));

diesel::allow_tables_to_appear_in_same_query!(settings, networks, schools, users);
