-- Object type matches regardless of ASCII case, like actor and action (0009): "Kargo_Promotion"
-- finds "kargo_promotion". The index is rebuilt with the column ordered COLLATE NOCASE, so the
-- filter's `= ? COLLATE NOCASE` and `COLLATE NOCASE IN (…)` comparisons (services/query/
-- filter-conditions.ts) are still ranges of it. Same name, same columns, same bytes per entry: only
-- the order changes, the stored values stay exactly as sent.
DROP INDEX `audit_events_object_type_time`;--> statement-breakpoint
CREATE INDEX `audit_events_object_type_time` ON `audit_events` (`org_key`,object_type COLLATE NOCASE,`timestamp`);
