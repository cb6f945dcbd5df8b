-- Free-text search (filters.q) over audit events with SQLite FTS5, which local D1 supports.
-- External-content table: the text stays in audit_events only; the index maps tokens to its rowid.
-- Events are append-only, so insert and delete triggers keep the index exact (retention deletes).
CREATE VIRTUAL TABLE `audit_events_fts` USING fts5(
	`action`, `actor_id`, `object_type`, `object_name`, `parent_name`, `parent_parent_name`,
	`parent_application_name`, `details_message`, `details_patch`,
	content='audit_events', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2'
);
--> statement-breakpoint
CREATE TRIGGER `audit_events_fts_after_insert` AFTER INSERT ON `audit_events` BEGIN
	INSERT INTO `audit_events_fts` (rowid, `action`, `actor_id`, `object_type`, `object_name`, `parent_name`,
		`parent_parent_name`, `parent_application_name`, `details_message`, `details_patch`)
	VALUES (new.rowid, new.`action`, new.`actor_id`, new.`object_type`, new.`object_name`, new.`parent_name`,
		new.`parent_parent_name`, new.`parent_application_name`, new.`details_message`, new.`details_patch`);
END;
--> statement-breakpoint
CREATE TRIGGER `audit_events_fts_after_delete` AFTER DELETE ON `audit_events` BEGIN
	INSERT INTO `audit_events_fts` (`audit_events_fts`, rowid, `action`, `actor_id`, `object_type`, `object_name`,
		`parent_name`, `parent_parent_name`, `parent_application_name`, `details_message`, `details_patch`)
	VALUES ('delete', old.rowid, old.`action`, old.`actor_id`, old.`object_type`, old.`object_name`, old.`parent_name`,
		old.`parent_parent_name`, old.`parent_application_name`, old.`details_message`, old.`details_patch`);
END;
--> statement-breakpoint
-- Events that already exist (the migration may run on a populated database).
INSERT INTO `audit_events_fts` (`audit_events_fts`) VALUES ('rebuild');
