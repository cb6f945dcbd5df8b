CREATE TABLE `log_streams` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`name` text NOT NULL,
	`type` text NOT NULL,
	`format` text NOT NULL,
	`filter_json` text NOT NULL,
	`active` integer NOT NULL,
	`settings_json` text NOT NULL,
	`secret_ciphertext` text NOT NULL,
	`delivered_through_sequence` integer DEFAULT 0 NOT NULL,
	`state` text NOT NULL,
	`failing_since` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`deleted_at` integer,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `log_streams_org_name_live` ON `log_streams` (`organization_id`,`name`) WHERE "log_streams"."deleted_at" IS NULL;--> statement-breakpoint
CREATE INDEX `log_streams_org` ON `log_streams` (`organization_id`,`created_at`);