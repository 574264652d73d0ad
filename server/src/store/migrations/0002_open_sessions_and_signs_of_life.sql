-- Version 2 (issue 23): the session registry decides who may read a session, how many open
-- sessions a user may have, and which due sessions reconciliation checks first.

-- When a person last showed interest in the session (the app read, expired or listed it; the
-- return page was opened for it). NULL: nobody has since it was created. Reconciliation checks
-- such sessions first, so a backlog of sessions nobody opened cannot delay real ones.
ALTER TABLE checkout_sessions ADD COLUMN seen_at BIGINT;

-- Counting a user's open sessions at every create (`max_open_sessions_per_user`).
CREATE INDEX IF NOT EXISTS checkout_sessions_user_open ON checkout_sessions (user_id)
    WHERE state = 'open';
