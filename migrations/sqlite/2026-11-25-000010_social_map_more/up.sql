-- Services get their own e-mail address and web page, so the directory maps onto Open Referral
-- HSDS's service (`email`, `url`) without loss.
ALTER TABLE services ADD COLUMN email TEXT NOT NULL DEFAULT '';
ALTER TABLE services ADD COLUMN url TEXT NOT NULL DEFAULT '';
