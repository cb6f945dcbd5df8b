-- Integrity of the record: provenance (source, source_key_id), a per-organization sequence,
-- organization-scoped free-text search, and sessions that hold one key per organization.
CREATE TABLE `organization_sequences` (
	`organization_id` text PRIMARY KEY NOT NULL,
	`last_sequence` integer DEFAULT 0 NOT NULL,
	`search_backfill_until` integer DEFAULT 0 NOT NULL,
	`search_backfilled_through` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `session_keys` (
	`token_hash` text NOT NULL,
	`api_key_id` text NOT NULL,
	`added_at` integer NOT NULL,
	PRIMARY KEY(`token_hash`, `api_key_id`),
	FOREIGN KEY (`token_hash`) REFERENCES `sessions`(`token_hash`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`api_key_id`) REFERENCES `api_keys`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `session_keys_api_key` ON `session_keys` (`api_key_id`);--> statement-breakpoint
-- Existing sessions keep the key they were made with.
INSERT INTO `session_keys` (`token_hash`, `api_key_id`, `added_at`) SELECT `token_hash`, `api_key_id`, `created_at` FROM `sessions`;--> statement-breakpoint
-- Events stored before provenance existed cannot be proven to be the service's own: they are marked
-- 'ingest' with no key (docs/ARCHITECTURE.md, "Provenance").
ALTER TABLE `audit_events` ADD `source` text DEFAULT 'ingest' NOT NULL;--> statement-breakpoint
ALTER TABLE `audit_events` ADD `source_key_id` text;--> statement-breakpoint
ALTER TABLE `audit_events` ADD `sequence` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Existing events are numbered in the order they were received (ties: storage order).
UPDATE `audit_events` SET `sequence` = `numbered`.`n`
FROM (SELECT `rowid` AS `r`, row_number() OVER (PARTITION BY `organization_id` ORDER BY `received_at`, `rowid`) AS `n` FROM `audit_events`) AS `numbered`
WHERE `audit_events`.`rowid` = `numbered`.`r`;--> statement-breakpoint
CREATE UNIQUE INDEX `audit_events_org_sequence` ON `audit_events` (`organization_id`,`sequence`);--> statement-breakpoint
CREATE INDEX `audit_events_org_source_time` ON `audit_events` (`organization_id`,`source`,`timestamp`,`id`);--> statement-breakpoint
INSERT INTO `organization_sequences` (`organization_id`, `last_sequence`, `search_backfill_until`)
SELECT `id`, coalesce((SELECT max(`sequence`) FROM `audit_events` WHERE `organization_id` = `organizations`.`id`), 0),
	coalesce((SELECT max(`sequence`) FROM `audit_events` WHERE `organization_id` = `organizations`.`id`), 0)
FROM `organizations`;--> statement-breakpoint
-- A row without a sequence would break the stream's completeness: refuse it loudly.
CREATE TRIGGER `audit_events_sequence_required` BEFORE INSERT ON `audit_events` WHEN new.`sequence` < 1 BEGIN
	SELECT raise(ABORT, 'audit_events.sequence must be assigned');
END;--> statement-breakpoint
-- Free text moves to an organization-scoped index: every token is stored with a tag of its
-- organization (services/search-text.ts), so a query only ever reads its own organization's
-- posting lists. Contentless (the text lives in audit_events); contentless_delete lets retention
-- remove rows. Rows indexed before this migration are re-indexed by the daily job.
DROP TRIGGER `audit_events_fts_after_insert`;--> statement-breakpoint
DROP TRIGGER `audit_events_fts_after_delete`;--> statement-breakpoint
DROP TABLE `audit_events_fts`;--> statement-breakpoint
CREATE VIRTUAL TABLE `audit_events_search` USING fts5(
	`body`, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2'
);--> statement-breakpoint
CREATE TRIGGER `audit_events_search_after_delete` AFTER DELETE ON `audit_events` BEGIN
	DELETE FROM `audit_events_search` WHERE rowid = old.rowid;
END;
