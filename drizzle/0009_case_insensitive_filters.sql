-- Actor and action filters match regardless of ASCII case ("Carol@example.com" finds
-- "carol@example.com", "Sync" finds "sync"): both indexes are rebuilt with the column ordered
-- COLLATE NOCASE, so the filters' `= ? COLLATE NOCASE` and `COLLATE NOCASE IN (…)` comparisons
-- (services/filter-conditions.ts) are still ranges of them. Same names, same columns, same bytes per
-- entry: only the order changes, the stored values stay exactly as sent.
DROP INDEX `audit_events_actor_time`;--> statement-breakpoint
DROP INDEX `audit_events_action_time`;--> statement-breakpoint
CREATE INDEX `audit_events_actor_time` ON `audit_events` (`org_key`,actor_id COLLATE NOCASE,`timestamp`);--> statement-breakpoint
CREATE INDEX `audit_events_action_time` ON `audit_events` (`org_key`,action COLLATE NOCASE,`timestamp`);
