CREATE TABLE `log_stream_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`stream_id` text NOT NULL,
	`organization_id` text NOT NULL,
	`kind` text NOT NULL,
	`first_sequence` integer NOT NULL,
	`last_sequence` integer NOT NULL,
	`event_count` integer NOT NULL,
	`bytes` integer NOT NULL,
	`succeeded` integer NOT NULL,
	`status_code` integer NOT NULL,
	`error` text NOT NULL,
	`response` text NOT NULL,
	`started_at` integer NOT NULL,
	`ended_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `log_stream_deliveries_stream` ON `log_stream_deliveries` (`stream_id`,`started_at`);--> statement-breakpoint
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