CREATE TABLE `invitations` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`email` text NOT NULL,
	`role` text NOT NULL,
	`token_hash` text NOT NULL,
	`invited_by` text,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`accepted_at` integer,
	`accepted_by` text,
	`revoked_at` integer,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `invitations_token_hash_unique` ON `invitations` (`token_hash`);--> statement-breakpoint
CREATE INDEX `invitations_org` ON `invitations` (`organization_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `passkeys` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`credential_id` text NOT NULL,
	`public_key` text NOT NULL,
	`counter` integer DEFAULT 0 NOT NULL,
	`transports` text DEFAULT '[]' NOT NULL,
	`name` text NOT NULL,
	`created_at` integer NOT NULL,
	`last_used_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `passkeys_credential_id_unique` ON `passkeys` (`credential_id`);--> statement-breakpoint
CREATE INDEX `passkeys_user` ON `passkeys` (`user_id`);--> statement-breakpoint
CREATE TABLE `sign_in_challenges` (
	`handle_hash` text PRIMARY KEY NOT NULL,
	`purpose` text NOT NULL,
	`organization_id` text,
	`user_id` text,
	`payload` text DEFAULT '{}' NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `sign_in_challenges_expiry` ON `sign_in_challenges` (`expires_at`);--> statement-breakpoint
CREATE TABLE `sso_configurations` (
	`organization_id` text PRIMARY KEY NOT NULL,
	`auto_add_member` integer DEFAULT false NOT NULL,
	`enforce_sso` integer DEFAULT false NOT NULL,
	`oidc_json` text NOT NULL,
	`client_secret_ciphertext` text,
	`group_claims` text DEFAULT '["groups"]' NOT NULL,
	`oidc_map_json` text DEFAULT '{}' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `sso_domains` (
	`domain` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `sso_domains_org` ON `sso_domains` (`organization_id`);--> statement-breakpoint
-- Edited by hand: dropping `sessions` cascades to `session_keys` (D1 always enforces foreign keys),
-- so its rows are kept aside and put back; a session's user is its key's user.
CREATE TABLE `__saved_session_keys` AS SELECT * FROM `session_keys`;--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_sessions` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`user_id` text,
	`api_key_id` text,
	`id` text,
	`method` text DEFAULT 'api_key' NOT NULL,
	`sso_organization_ids` text DEFAULT '[]' NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`last_used_at` integer,
	`user_agent` text,
	`ip` text,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`api_key_id`) REFERENCES `api_keys`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_sessions`("token_hash", "user_id", "api_key_id", "id", "method", "sso_organization_ids", "created_at", "expires_at", "last_used_at", "user_agent", "ip") SELECT "token_hash", (SELECT `user_id` FROM `api_keys` WHERE `api_keys`.`id` = `sessions`.`api_key_id`), "api_key_id", "id", "method", '[]', "created_at", "expires_at", "last_used_at", "user_agent", "ip" FROM `sessions`;--> statement-breakpoint
DROP TABLE `sessions`;--> statement-breakpoint
ALTER TABLE `__new_sessions` RENAME TO `sessions`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
INSERT OR IGNORE INTO `session_keys` SELECT * FROM `__saved_session_keys`;--> statement-breakpoint
DROP TABLE `__saved_session_keys`;--> statement-breakpoint
CREATE INDEX `sessions_api_key` ON `sessions` (`api_key_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `sessions_id` ON `sessions` (`id`);--> statement-breakpoint
CREATE INDEX `sessions_user` ON `sessions` (`user_id`);--> statement-breakpoint
ALTER TABLE `api_keys` ADD `kind` text DEFAULT 'personal' NOT NULL;--> statement-breakpoint
ALTER TABLE `audit_events` ADD `credential_type` text;--> statement-breakpoint
ALTER TABLE `audit_events` ADD `credential_id` text;--> statement-breakpoint
CREATE INDEX `audit_events_credential_time` ON `audit_events` (`org_key`,`credential_id`,`timestamp`) WHERE credential_id IS NOT NULL;