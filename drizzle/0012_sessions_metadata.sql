ALTER TABLE `sessions` ADD `id` text;--> statement-breakpoint
ALTER TABLE `sessions` ADD `method` text DEFAULT 'api_key' NOT NULL;--> statement-breakpoint
ALTER TABLE `sessions` ADD `last_used_at` integer;--> statement-breakpoint
ALTER TABLE `sessions` ADD `user_agent` text;--> statement-breakpoint
ALTER TABLE `sessions` ADD `ip` text;--> statement-breakpoint
-- Written by hand: sessions from before this migration get a random public id and count as last
-- used when they started (drizzle-kit does not write data updates).
UPDATE `sessions` SET `id` = 'ses_' || lower(hex(randomblob(13))), `last_used_at` = `created_at` WHERE `id` IS NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `sessions_id` ON `sessions` (`id`);--> statement-breakpoint
CREATE INDEX `api_keys_user` ON `api_keys` (`user_id`);