CREATE TABLE `chat_messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account_id` text NOT NULL,
	`conference_id` text NOT NULL,
	`call_id` text NOT NULL,
	`chat_type` text NOT NULL,
	`from_user_id` text NOT NULL,
	`from_username` text,
	`to_user_id` text,
	`to_username` text,
	`message` text NOT NULL,
	`sent_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `chat_messages_conference` ON `chat_messages` (`conference_id`,`id`);--> statement-breakpoint
CREATE TABLE `meetings` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`conference_id` text NOT NULL,
	`host_id` text NOT NULL,
	`name` text NOT NULL,
	`start_date` integer NOT NULL,
	`end_date` integer NOT NULL,
	`attendees` text NOT NULL,
	`record` integer NOT NULL,
	`chat_dialog_id` text,
	`public` integer NOT NULL,
	`scheduled` integer NOT NULL,
	`notify` integer NOT NULL,
	`notify_before` text,
	`timezone` text,
	`reminder_at` integer,
	`reminder_sent_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`deleted_at` integer,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `meetings_account` ON `meetings` (`account_id`,`deleted_at`);--> statement-breakpoint
CREATE INDEX `meetings_conference` ON `meetings` (`conference_id`);--> statement-breakpoint
CREATE INDEX `meetings_reminder` ON `meetings` (`reminder_sent_at`,`reminder_at`);--> statement-breakpoint
CREATE TABLE `recordings` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`conference_id` text NOT NULL,
	`status` text NOT NULL,
	`participants_ids` text NOT NULL,
	`duration` real,
	`size_bytes` real,
	`file_path` text,
	`url` text,
	`output_file_name` text,
	`reported_at` integer,
	`started_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `recordings_conference` ON `recordings` (`conference_id`,`created_at`);