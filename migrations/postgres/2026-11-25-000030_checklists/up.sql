-- Signal checklists: versioned templates (sections, items with a theme) and the submissions
-- schools make with them, one answer per item.
CREATE TABLE checklist_templates (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE checklist_versions (
    id TEXT PRIMARY KEY,
    template_id TEXT NOT NULL REFERENCES checklist_templates (id),
    number INTEGER NOT NULL CHECK (number >= 1),
    status TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    is_current BOOLEAN NOT NULL DEFAULT FALSE,
    intro TEXT NOT NULL DEFAULT '',
    published_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (template_id, number),
    CHECK ((status = 'published') = (published_at IS NOT NULL)),
    CHECK (is_current = FALSE OR status = 'published')
);
-- At most one current version per template.
CREATE UNIQUE INDEX checklist_versions_current ON checklist_versions (template_id) WHERE is_current = TRUE;

CREATE TABLE checklist_sections (
    version_id TEXT NOT NULL REFERENCES checklist_versions (id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    PRIMARY KEY (version_id, code)
);

CREATE TABLE checklist_items (
    version_id TEXT NOT NULL REFERENCES checklist_versions (id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    section_code TEXT NOT NULL,
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    theme_code TEXT NOT NULL REFERENCES themes (code),
    help_text TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (version_id, code),
    FOREIGN KEY (version_id, section_code) REFERENCES checklist_sections (version_id, code) ON DELETE CASCADE
);
CREATE INDEX checklist_items_theme ON checklist_items (theme_code);

CREATE TABLE checklist_submissions (
    id TEXT PRIMARY KEY,
    school_id TEXT NOT NULL REFERENCES schools (id),
    submitted_by TEXT NOT NULL REFERENCES users (id),
    version_id TEXT NOT NULL REFERENCES checklist_versions (id),
    pupil_pseudonym TEXT NOT NULL,
    birth_year INTEGER NOT NULL,
    class_name TEXT NOT NULL,
    concern TEXT NOT NULL CHECK (concern IN ('low', 'medium', 'high')),
    context TEXT NOT NULL DEFAULT '',
    parents_informed BOOLEAN NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('submitted', 'triaged', 'case_opened', 'no_action')),
    triaged_by TEXT REFERENCES users (id),
    triaged_at TIMESTAMP,
    triage_note TEXT,
    decided_by TEXT REFERENCES users (id),
    decided_at TIMESTAMP,
    no_action_reason TEXT,
    -- No foreign key: cases live in their own migration.
    case_id TEXT,
    case_reference TEXT,
    submitted_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((status = 'submitted') = (triaged_at IS NULL)),
    CHECK ((status = 'no_action') = (no_action_reason IS NOT NULL)),
    CHECK ((status = 'case_opened') = (case_id IS NOT NULL))
);
CREATE INDEX checklist_submissions_school ON checklist_submissions (school_id, id);
CREATE INDEX checklist_submissions_status ON checklist_submissions (status, id);
CREATE INDEX checklist_submissions_version ON checklist_submissions (version_id);

CREATE TABLE checklist_answers (
    submission_id TEXT NOT NULL REFERENCES checklist_submissions (id) ON DELETE CASCADE,
    item_code TEXT NOT NULL,
    answer TEXT NOT NULL CHECK (answer IN ('yes', 'no', 'unknown')),
    remark TEXT,
    PRIMARY KEY (submission_id, item_code)
);
