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
ALTER TABLE `conference_sessions` ADD `id` text;--> statement-breakpoint
ALTER TABLE `conference_sessions` ADD `conference_name` text;--> statement-breakpoint
ALTER TABLE `conference_sessions` ADD `first_seq` integer;--> statement-breakpoint
ALTER TABLE `conference_sessions` ADD `end_seq` integer;--> statement-breakpoint
ALTER TABLE `conference_sessions` ADD `end_cause` text;--> statement-breakpoint
ALTER TABLE `conference_sessions` ADD `participants_now` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `conference_sessions` ADD `peak_participants` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `conference_sessions` ADD `total_participants` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `conference_sessions_id` ON `conference_sessions` (`id`);--> statement-breakpoint
CREATE INDEX `conference_sessions_ended_at` ON `conference_sessions` (`ended_at`);