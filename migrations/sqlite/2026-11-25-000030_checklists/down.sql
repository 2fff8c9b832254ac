DROP TABLE checklist_answers;
DROP TABLE checklist_submissions;
DROP TABLE checklist_items;
DROP TABLE checklist_sections;
DROP TABLE checklist_versions;
DROP TABLE checklist_templates;
