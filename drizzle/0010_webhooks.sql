-- Webhooks: notification_configs are control data (main database); webhook_deliveries and
-- webhook_attempts belong to the organization's shard, beside its audit_events. Every migration
-- applies to every database, so deliveries carry no foreign key to notification_configs.
CREATE TABLE `notification_configs` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`name` text NOT NULL,
	`url` text NOT NULL,
	`secret_ciphertext` text NOT NULL,
	`active` integer NOT NULL,
	`filter_json` text NOT NULL,
	`dispatched_sequence` integer NOT NULL,
	`consecutive_failures` integer DEFAULT 0 NOT NULL,
	`failing_since` integer,
	`paused_until` integer,
	`last_delivery_id` text,
	`last_attempt_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`deleted_at` integer,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `notification_configs_org_name_live` ON `notification_configs` (`organization_id`,`name`) WHERE "notification_configs"."deleted_at" IS NULL;--> statement-breakpoint
CREATE INDEX `notification_configs_active` ON `notification_configs` (`organization_id`) WHERE "notification_configs"."active" = 1 AND "notification_configs"."deleted_at" IS NULL;--> statement-breakpoint
CREATE TABLE `webhook_attempts` (
	`delivery_id` text NOT NULL,
	`attempt` integer NOT NULL,
	`succeeded` integer NOT NULL,
	`status_code` integer NOT NULL,
	`error` text NOT NULL,
	`response` text NOT NULL,
	`request_headers` text NOT NULL,
	`response_headers` text NOT NULL,
	`started_at` integer NOT NULL,
	`ended_at` integer NOT NULL,
	PRIMARY KEY(`delivery_id`, `attempt`),
	FOREIGN KEY (`delivery_id`) REFERENCES `webhook_deliveries`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `webhook_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`config_id` text NOT NULL,
	`event_id` text NOT NULL,
	`event_type` text NOT NULL,
	`sequence` integer,
	`body` text NOT NULL,
	`status` text NOT NULL,
	`redelivery_of` text,
	`created_at` integer NOT NULL,
	`first_attempt_at` integer,
	`attempt_count` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer,
	`generation` integer DEFAULT 0 NOT NULL,
	`lease_until` integer,
	`note` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `webhook_deliveries_config_event` ON `webhook_deliveries` (`config_id`,`event_id`) WHERE "webhook_deliveries"."redelivery_of" IS NULL;--> statement-breakpoint
CREATE INDEX `webhook_deliveries_config_id` ON `webhook_deliveries` (`config_id`,`id`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_pending` ON `webhook_deliveries` (`organization_id`,`next_attempt_at`) WHERE "webhook_deliveries"."status" = 'pending';
