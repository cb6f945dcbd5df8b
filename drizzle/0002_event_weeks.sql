CREATE TABLE `event_weeks` (
	`organization_id` text NOT NULL,
	`start_date` text NOT NULL,
	`last_received_at` integer NOT NULL,
	`purged_at` integer,
	PRIMARY KEY(`organization_id`, `start_date`)
);
--> statement-breakpoint
CREATE INDEX `event_weeks_start` ON `event_weeks` (`start_date`);--> statement-breakpoint
-- Weeks of events stored before this migration.
INSERT INTO `event_weeks` (`organization_id`, `start_date`, `last_received_at`)
SELECT `organization_id`, date(`timestamp` / 1000, 'unixepoch', 'weekday 0', '-6 days') AS `week`, max(`received_at`)
FROM `audit_events` WHERE true GROUP BY `organization_id`, `week`;
