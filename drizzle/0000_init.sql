CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`user_id` text,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`instance_id` text,
	`secret_hash` text NOT NULL,
	`prefix` text NOT NULL,
	`created_at` integer NOT NULL,
	`last_used_at` integer,
	`expires_at` integer,
	`revoked_at` integer,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_secret_hash_unique` ON `api_keys` (`secret_hash`);--> statement-breakpoint
CREATE INDEX `api_keys_org` ON `api_keys` (`organization_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `archives` (
	`organization_id` text NOT NULL,
	`start_date` text NOT NULL,
	`revision` integer NOT NULL,
	`r2_key` text NOT NULL,
	`bytes` integer NOT NULL,
	`sha256` text NOT NULL,
	`records` integer NOT NULL,
	`manifest_sha256` text NOT NULL,
	`previous_manifest_sha256` text,
	`built_at` integer NOT NULL,
	PRIMARY KEY(`organization_id`, `start_date`, `revision`)
);
--> statement-breakpoint
CREATE INDEX `archives_org_built` ON `archives` (`organization_id`,`built_at`);--> statement-breakpoint
CREATE TABLE `audit_events` (
	`organization_id` text NOT NULL,
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
	`parent_name` text,
	`parent_parent_name` text,
	`parent_application_name` text,
	`details_message` text,
	`details_patch` text,
	`details_action_type` text,
	`details_json` text,
	`content_sha256` text NOT NULL,
	PRIMARY KEY(`organization_id`, `id`)
);
--> statement-breakpoint
CREATE INDEX `audit_events_org_time` ON `audit_events` (`organization_id`,`timestamp`,`id`);--> statement-breakpoint
CREATE INDEX `audit_events_org_instance_time` ON `audit_events` (`organization_id`,`instance_id`,`timestamp`,`id`);--> statement-breakpoint
CREATE INDEX `audit_events_org_actor_time` ON `audit_events` (`organization_id`,`actor_id`,`timestamp`,`id`);--> statement-breakpoint
CREATE INDEX `audit_events_org_actor_type_time` ON `audit_events` (`organization_id`,`actor_type`,`timestamp`,`id`);--> statement-breakpoint
CREATE INDEX `audit_events_org_action_time` ON `audit_events` (`organization_id`,`action`,`timestamp`,`id`);--> statement-breakpoint
CREATE INDEX `audit_events_org_object_type_time` ON `audit_events` (`organization_id`,`object_type`,`timestamp`,`id`);--> statement-breakpoint
CREATE INDEX `audit_events_org_object_name_time` ON `audit_events` (`organization_id`,`object_name`,`timestamp`,`id`);--> statement-breakpoint
CREATE INDEX `audit_events_org_received` ON `audit_events` (`organization_id`,`received_at`);--> statement-breakpoint
CREATE TABLE `instances` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`type` text NOT NULL,
	`name` text NOT NULL,
	`created_at` integer NOT NULL,
	`deleted_at` integer,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `instances_org_type_name_live` ON `instances` (`organization_id`,`type`,`name`) WHERE "instances"."deleted_at" IS NULL;--> statement-breakpoint
CREATE TABLE `memberships` (
	`organization_id` text NOT NULL,
	`user_id` text NOT NULL,
	`role` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`organization_id`, `user_id`),
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `memberships_user` ON `memberships` (`user_id`);--> statement-breakpoint
CREATE TABLE `organizations` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `sessions` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`api_key_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`api_key_id`) REFERENCES `api_keys`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `sessions_api_key` ON `sessions` (`api_key_id`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`email` text NOT NULL,
	`name` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_unique` ON `users` (`email`);