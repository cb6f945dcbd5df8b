-- Moving an organization between shards (docs/OPERATIONS.md, "Moving an organization"). Written by
-- hand (schema: worker/db/schema/moves.ts). Like every migration it applies to every database:
-- organization_moves is used in the main one, organization_move_fences in the shards.
CREATE TABLE `organization_moves` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`from_shard` text NOT NULL,
	`to_shard` text NOT NULL,
	`state` text NOT NULL,
	`copied` integer DEFAULT 0 NOT NULL,
	`total` integer DEFAULT 0 NOT NULL,
	`copied_through` integer DEFAULT 0 NOT NULL,
	`verified_through` integer,
	`verified_chain` text,
	`rounds` integer DEFAULT 0 NOT NULL,
	`error` text,
	`deliveries_copied_at` integer,
	`cleanup` text DEFAULT 'none' NOT NULL,
	`cleanup_after` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`fenced_at` integer,
	`switched_at` integer
);
--> statement-breakpoint
CREATE INDEX `organization_moves_org` ON `organization_moves` (`organization_id`,`created_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `organization_moves_running` ON `organization_moves` (`organization_id`) WHERE state IN ('copying', 'verifying', 'switching') OR cleanup = 'pending';--> statement-breakpoint
CREATE TABLE `organization_move_fences` (
	`organization_id` text PRIMARY KEY NOT NULL,
	`move_id` text NOT NULL,
	`fenced_at` integer NOT NULL
);
