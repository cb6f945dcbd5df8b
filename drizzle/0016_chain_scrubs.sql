CREATE TABLE `audit_chain_scrubs` (
	`organization_id` text PRIMARY KEY NOT NULL,
	`sequence` integer NOT NULL,
	`chain_hash` text NOT NULL,
	`floor_sequence` integer,
	`floor_chain_hash` text,
	`time` integer NOT NULL
);
