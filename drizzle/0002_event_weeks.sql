CREATE TABLE `event_weeks` (
	`organization_id` text NOT NULL,
	`start_date` text NOT NULL,
	`last_received_at` integer NOT NULL,
	`event_count` integer DEFAULT 0 NOT NULL,
	`purged_at` integer,
	PRIMARY KEY(`organization_id`, `start_date`)
);
--> statement-breakpoint
CREATE INDEX `event_weeks_start` ON `event_weeks` (`start_date`);--> statement-breakpoint
-- Weeks of events stored before this migration.
INSERT INTO `event_weeks` (`organization_id`, `start_date`, `last_received_at`, `event_count`)
SELECT `organization_id`, date(`timestamp` / 1000, 'unixepoch', 'weekday 0', '-6 days') AS `week`, max(`received_at`), count(*)
FROM `audit_events` WHERE true GROUP BY `organization_id`, `week`;
--> statement-breakpoint
-- Kept by triggers, so every writer (ingest, management, retention) keeps it exact in the same
-- transaction as the event rows themselves.
CREATE TRIGGER `event_weeks_after_insert` AFTER INSERT ON `audit_events` BEGIN
	INSERT INTO `event_weeks` (`organization_id`, `start_date`, `last_received_at`, `event_count`)
	VALUES (new.`organization_id`, date(new.`timestamp` / 1000, 'unixepoch', 'weekday 0', '-6 days'), new.`received_at`, 1)
	ON CONFLICT (`organization_id`, `start_date`) DO UPDATE SET
		`last_received_at` = max(`last_received_at`, excluded.`last_received_at`),
		`event_count` = `event_count` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `event_weeks_after_delete` AFTER DELETE ON `audit_events` BEGIN
	UPDATE `event_weeks` SET `event_count` = `event_count` - 1
	WHERE `organization_id` = old.`organization_id` AND `start_date` = date(old.`timestamp` / 1000, 'unixepoch', 'weekday 0', '-6 days');
END;
