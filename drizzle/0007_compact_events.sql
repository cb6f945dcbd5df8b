-- Compact events: the organization as a small integer key (organization_sequences.org_key) in the
-- table and every index, index tails timestamp (and the rowid every index entry ends with) instead of (timestamp, id), the content
-- hash as 16 raw bytes (the first half of its SHA-256), the source as 0 (ingest) or 1 (platform),
-- no index on dense columns (actor type; source has a partial one for platform events only), no
-- receipt-time index. Rows keep their rowid, so the search index stays valid.
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_organization_sequences` (
	`org_key` integer PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`last_sequence` integer DEFAULT 0 NOT NULL,
	`search_backfill_until` integer DEFAULT 0 NOT NULL,
	`search_backfilled_through` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
INSERT INTO `__new_organization_sequences` (`organization_id`, `last_sequence`, `search_backfill_until`, `search_backfilled_through`)
SELECT `organization_id`, `last_sequence`, `search_backfill_until`, `search_backfilled_through` FROM `organization_sequences`;--> statement-breakpoint
-- Any organization with events but no counter row yet.
INSERT INTO `__new_organization_sequences` (`organization_id`, `last_sequence`)
SELECT `organization_id`, max(`sequence`) FROM `audit_events`
WHERE `organization_id` NOT IN (SELECT `organization_id` FROM `__new_organization_sequences`) GROUP BY `organization_id`;--> statement-breakpoint
DROP TABLE `organization_sequences`;--> statement-breakpoint
ALTER TABLE `__new_organization_sequences` RENAME TO `organization_sequences`;--> statement-breakpoint
CREATE UNIQUE INDEX `organization_sequences_organization_id_unique` ON `organization_sequences` (`organization_id`);--> statement-breakpoint
CREATE TABLE `__new_audit_events` (
	`org_key` integer NOT NULL,
	`sequence` integer NOT NULL,
	`id` text NOT NULL,
	`instance_id` text,
	`timestamp` integer NOT NULL,
	`received_at` integer NOT NULL,
	`action` text NOT NULL,
	`actor_type` text NOT NULL,
	`actor_id` text NOT NULL,
	`actor_ip` text,
	`object_type` text NOT NULL,
	`object_name` text NOT NULL,
	`object_kind` text,
	`object_group` text,
	`object_namespace` text,
	`parent_name` text,
	`parent_parent_name` text,
	`parent_application_name` text,
	`parent_kargo_project_name` text,
	`details_message` text,
	`details_patch` text,
	`details_action_type` text,
	`details_json` text,
	`content_hash` blob NOT NULL,
	`source` integer NOT NULL,
	`source_key_id` text
);
--> statement-breakpoint
INSERT INTO `__new_audit_events` (`rowid`, `org_key`, `sequence`, `id`, `instance_id`, `timestamp`, `received_at`, `action`, `actor_type`,
	`actor_id`, `actor_ip`, `object_type`, `object_name`, `object_kind`, `object_group`, `object_namespace`, `parent_name`,
	`parent_parent_name`, `parent_application_name`, `parent_kargo_project_name`, `details_message`, `details_patch`,
	`details_action_type`, `details_json`, `content_hash`, `source`, `source_key_id`)
SELECT `event`.`rowid`, `organization`.`org_key`, `event`.`sequence`, `event`.`id`, `event`.`instance_id`, `event`.`timestamp`,
	`event`.`received_at`, `event`.`action`, `event`.`actor_type`, `event`.`actor_id`, `event`.`actor_ip`, `event`.`object_type`,
	`event`.`object_name`, `event`.`object_kind`, `event`.`object_group`, `event`.`object_namespace`, `event`.`parent_name`,
	`event`.`parent_parent_name`, `event`.`parent_application_name`, `event`.`parent_kargo_project_name`, `event`.`details_message`,
	`event`.`details_patch`, `event`.`details_action_type`, `event`.`details_json`, unhex(substr(`event`.`content_sha256`, 1, 32)), CASE `event`.`source` WHEN 'platform' THEN 1 ELSE 0 END,
	`event`.`source_key_id`
FROM `audit_events` AS `event` JOIN `organization_sequences` AS `organization` ON `organization`.`organization_id` = `event`.`organization_id`;--> statement-breakpoint
DROP TABLE `audit_events`;--> statement-breakpoint
ALTER TABLE `__new_audit_events` RENAME TO `audit_events`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `audit_events_sequence` ON `audit_events` (`org_key`,`sequence`);--> statement-breakpoint
CREATE UNIQUE INDEX `audit_events_id` ON `audit_events` (`org_key`,`id`);--> statement-breakpoint
CREATE INDEX `audit_events_time` ON `audit_events` (`org_key`,`timestamp`);--> statement-breakpoint
CREATE INDEX `audit_events_actor_time` ON `audit_events` (`org_key`,`actor_id`,`timestamp`);--> statement-breakpoint
CREATE INDEX `audit_events_action_time` ON `audit_events` (`org_key`,`action`,`timestamp`);--> statement-breakpoint
CREATE INDEX `audit_events_object_type_time` ON `audit_events` (`org_key`,`object_type`,`timestamp`);--> statement-breakpoint
CREATE INDEX `audit_events_object_name_time` ON `audit_events` (`org_key`,`object_name`,`timestamp`);--> statement-breakpoint
CREATE INDEX `audit_events_instance_time` ON `audit_events` (`org_key`,`instance_id`,`timestamp`) WHERE instance_id IS NOT NULL;--> statement-breakpoint
CREATE INDEX `audit_events_platform_time` ON `audit_events` (`org_key`,`source`,`timestamp`) WHERE source = 1;--> statement-breakpoint
CREATE INDEX `audit_events_parent_time` ON `audit_events` (`org_key`,`parent_name`,`timestamp`) WHERE parent_name IS NOT NULL;--> statement-breakpoint
CREATE INDEX `audit_events_parent_parent_time` ON `audit_events` (`org_key`,`parent_parent_name`,`timestamp`) WHERE parent_parent_name IS NOT NULL;--> statement-breakpoint
CREATE INDEX `audit_events_parent_application_time` ON `audit_events` (`org_key`,`parent_application_name`,`timestamp`) WHERE parent_application_name IS NOT NULL;--> statement-breakpoint
CREATE INDEX `audit_events_kargo_project_time` ON `audit_events` (`org_key`,`parent_kargo_project_name`,`timestamp`) WHERE parent_kargo_project_name IS NOT NULL;--> statement-breakpoint
-- Events with their organization's text id: for people reading the database, and for tests.
CREATE VIEW `audit_events_by_organization` AS
SELECT `organization`.`organization_id`, `event`.* FROM `audit_events` AS `event`
JOIN `organization_sequences` AS `organization` ON `organization`.`org_key` = `event`.`org_key`;--> statement-breakpoint
-- The triggers went with the old table; the same rules, on the organization key.
CREATE TRIGGER `audit_events_sequence_required` BEFORE INSERT ON `audit_events` WHEN new.`sequence` < 1 BEGIN
	SELECT raise(ABORT, 'audit_events.sequence must be assigned');
END;--> statement-breakpoint
CREATE TRIGGER `audit_events_search_after_delete` AFTER DELETE ON `audit_events` BEGIN
	DELETE FROM `audit_events_search` WHERE rowid = old.rowid;
END;--> statement-breakpoint
CREATE TRIGGER `event_weeks_after_insert` AFTER INSERT ON `audit_events` BEGIN
	INSERT INTO `event_weeks` (`organization_id`, `start_date`, `last_received_at`, `event_count`)
	VALUES ((SELECT `organization_id` FROM `organization_sequences` WHERE `org_key` = new.`org_key`),
		date(new.`timestamp` / 1000, 'unixepoch', 'weekday 0', '-6 days'), new.`received_at`, 1)
	ON CONFLICT (`organization_id`, `start_date`) DO UPDATE SET
		`last_received_at` = max(`last_received_at`, excluded.`last_received_at`),
		`event_count` = `event_count` + 1;
END;--> statement-breakpoint
CREATE TRIGGER `event_weeks_after_delete` AFTER DELETE ON `audit_events` BEGIN
	UPDATE `event_weeks` SET `event_count` = `event_count` - 1
	WHERE `organization_id` = (SELECT `organization_id` FROM `organization_sequences` WHERE `org_key` = old.`org_key`)
		AND `start_date` = date(old.`timestamp` / 1000, 'unixepoch', 'weekday 0', '-6 days');
END;--> statement-breakpoint
CREATE TRIGGER `event_facets_after_delete` AFTER DELETE ON `audit_events` BEGIN
	UPDATE `event_facets` SET `event_count` = `event_count` - 1
	WHERE `organization_id` = (SELECT `organization_id` FROM `organization_sequences` WHERE `org_key` = old.`org_key`)
		AND `facet` = 'actorId' AND `value` = old.`actor_id`;
	UPDATE `event_facets` SET `event_count` = `event_count` - 1
	WHERE `organization_id` = (SELECT `organization_id` FROM `organization_sequences` WHERE `org_key` = old.`org_key`)
		AND `facet` = 'action' AND `value` = old.`action`;
	UPDATE `event_facets` SET `event_count` = `event_count` - 1
	WHERE `organization_id` = (SELECT `organization_id` FROM `organization_sequences` WHERE `org_key` = old.`org_key`)
		AND `facet` = 'objectType' AND `value` = old.`object_type`;
END;
