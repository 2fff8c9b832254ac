-- Feedback for the school is tied to the share_with_school consent it was written under: the
-- school reads it only while that consent is live, and a later consent does not show it again.
-- (No foreign key: consents already reference cases, and erasure clears both.)
ALTER TABLE cases ADD COLUMN feedback_consent_id TEXT;
-- Feedback written before: the consent that was live when it was written, if any.
UPDATE cases SET feedback_consent_id = (
    SELECT k.id FROM case_consents k
    WHERE k.case_id = cases.id AND k.kind = 'share_with_school'
      AND k.given_at <= cases.feedback_at
      AND (k.withdrawn_at IS NULL OR k.withdrawn_at > cases.feedback_at)
    ORDER BY k.given_at DESC, k.id DESC
    LIMIT 1
) WHERE feedback_for_school IS NOT NULL;
