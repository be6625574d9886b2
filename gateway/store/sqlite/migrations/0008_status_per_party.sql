-- Status changes are ordered per issuer (domain.agreement rule 4): the time kept is that
-- of the last change received from the partner. A time ahead of now is cut to now: a
-- change dated far in the future (before the clock allowance existed) must not hold
-- back every later one. suspended_by now lists the suspending parties, comma-separated.
ALTER TABLE agreements RENAME COLUMN last_status_at TO partner_status_at;
UPDATE agreements
    SET partner_status_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    WHERE partner_status_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now');
