CREATE TABLE `conference_sessions` (
	`conference_id` text NOT NULL,
	`started_at` integer NOT NULL,
	`account_id` text NOT NULL,
	`instance_id` text,
	`ended_at` integer,
	`end_reason` text,
	PRIMARY KEY(`conference_id`, `started_at`)
);
--> statement-breakpoint
CREATE INDEX `conference_sessions_ended` ON `conference_sessions` (`conference_id`,`ended_at`);--> statement-breakpoint
CREATE INDEX `conference_sessions_account` ON `conference_sessions` (`account_id`,`started_at`);