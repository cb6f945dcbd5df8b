-- Shards: each organization names the D1 binding that holds its events (main "DB" for those that
-- existed before); events about control data wait in pending_events until moved to that shard.
CREATE TABLE `pending_events` (
	`position` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`organization_id` text NOT NULL,
	`received_at` integer NOT NULL,
	`event` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `pending_events_organization` ON `pending_events` (`organization_id`,`position`);--> statement-breakpoint
ALTER TABLE `organizations` ADD `shard` text DEFAULT 'DB' NOT NULL;