CREATE TABLE `event_facets` (
	`organization_id` text NOT NULL,
	`facet` text NOT NULL,
	`value` text NOT NULL,
	`event_count` integer NOT NULL,
	PRIMARY KEY(`organization_id`, `facet`, `value`)
);
--> statement-breakpoint
CREATE INDEX `event_facets_top` ON `event_facets` (`organization_id`,`facet`,`event_count`);--> statement-breakpoint
CREATE TABLE `organization_settings` (
	`organization_id` text PRIMARY KEY NOT NULL,
	`hot_retention_days` integer,
	`archive_retention_days` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `archives` ADD `expired_at` integer;--> statement-breakpoint
-- The facet counters start from the events already stored.
INSERT INTO `event_facets` (`organization_id`, `facet`, `value`, `event_count`)
SELECT `organization_id`, `facet`, `value`, count(*) FROM (
	SELECT `organization_id`, 'actorId' AS `facet`, `actor_id` AS `value` FROM `audit_events`
	UNION ALL SELECT `organization_id`, 'action', `action` FROM `audit_events`
	UNION ALL SELECT `organization_id`, 'objectType', `object_type` FROM `audit_events`
) WHERE true GROUP BY `organization_id`, `facet`, `value`;--> statement-breakpoint
-- Retention (and any other delete) takes its events out of the counters.
CREATE TRIGGER `event_facets_after_delete` AFTER DELETE ON `audit_events` BEGIN
	UPDATE `event_facets` SET `event_count` = `event_count` - 1
	WHERE `organization_id` = old.`organization_id` AND `facet` = 'actorId' AND `value` = old.`actor_id`;
	UPDATE `event_facets` SET `event_count` = `event_count` - 1
	WHERE `organization_id` = old.`organization_id` AND `facet` = 'action' AND `value` = old.`action`;
	UPDATE `event_facets` SET `event_count` = `event_count` - 1
	WHERE `organization_id` = old.`organization_id` AND `facet` = 'objectType' AND `value` = old.`object_type`;
END;
