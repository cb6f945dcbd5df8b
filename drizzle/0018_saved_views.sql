-- Saved views (docs/API.md "Saved views"): a person's named filter sets of the Audit Logs tab,
-- control data of the main database. Written by hand (not drizzle-kit generate) in round 25; the
-- name index is on lower(name), an expression drizzle-kit writes the same way.
CREATE TABLE `saved_views` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`user_id` text NOT NULL,
	`name` text NOT NULL,
	`query` text NOT NULL,
	`scope` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `saved_views_user_name` ON `saved_views` (`organization_id`,`user_id`,lower("name"));
