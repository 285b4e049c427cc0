CREATE TABLE `session_participants` (
	`session_id` text NOT NULL,
	`call_id` text NOT NULL,
	`joined_at` integer NOT NULL,
	`account_id` text NOT NULL,
	`conference_id` text NOT NULL,
	`participant_id` integer DEFAULT 0 NOT NULL,
	`caller_id_name` text,
	`caller_id_number` text,
	`is_moderator` integer DEFAULT false NOT NULL,
	`left_at` integer,
	`left_reason` text,
	`muted_ms` integer DEFAULT 0 NOT NULL,
	`deaf_ms` integer DEFAULT 0 NOT NULL,
	`talk_ms` integer DEFAULT 0 NOT NULL,
	`talk_count` integer DEFAULT 0 NOT NULL,
	`muted_since` integer,
	`deaf_since` integer,
	`talking_since` integer,
	`kicked_at` integer,
	`kicked_by` text,
	PRIMARY KEY(`session_id`, `call_id`, `joined_at`)
);
--> statement-breakpoint
CREATE INDEX `session_participants_joined` ON `session_participants` (`session_id`,`joined_at`);--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_conference_sessions` (
	`conference_id` text NOT NULL,
	`started_at` integer NOT NULL,
	`account_id` text NOT NULL,
	`instance_id` text,
	`ended_at` integer,
	`end_reason` text,
	`id` text,
	`conference_name` text,
	`first_seq` integer,
	`end_seq` integer,
	`end_cause` text,
	`participants_now` integer DEFAULT 0 NOT NULL,
	`peak_participants` integer DEFAULT 0 NOT NULL,
	`total_participants` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
INSERT INTO `__new_conference_sessions`("conference_id", "started_at", "account_id", "instance_id", "ended_at", "end_reason") SELECT "conference_id", "started_at", "account_id", "instance_id", "ended_at", "end_reason" FROM `conference_sessions`;--> statement-breakpoint
DROP TABLE `conference_sessions`;--> statement-breakpoint
ALTER TABLE `__new_conference_sessions` RENAME TO `conference_sessions`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `conference_sessions_start` ON `conference_sessions` (`conference_id`,`started_at`);--> statement-breakpoint
CREATE INDEX `conference_sessions_ended` ON `conference_sessions` (`conference_id`,`ended_at`);--> statement-breakpoint
CREATE INDEX `conference_sessions_account` ON `conference_sessions` (`account_id`,`started_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `conference_sessions_id` ON `conference_sessions` (`id`);--> statement-breakpoint
CREATE INDEX `conference_sessions_ended_at` ON `conference_sessions` (`ended_at`);