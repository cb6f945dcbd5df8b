ALTER TABLE `audit_events` ADD `object_namespace` text;--> statement-breakpoint
ALTER TABLE `audit_events` ADD `parent_kargo_project_name` text;