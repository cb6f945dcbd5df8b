CREATE TABLE `audit_checkpoints` (
	`organization_id` text NOT NULL,
	`sequence` integer NOT NULL,
	`chain_hash` text NOT NULL,
	`time` integer NOT NULL,
	`previous_sequence` integer,
	`previous_chain_hash` text,
	`signature` text NOT NULL,
	`reason` text NOT NULL,
	PRIMARY KEY(`organization_id`, `sequence`)
);
