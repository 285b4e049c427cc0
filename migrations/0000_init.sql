CREATE TABLE `accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`key_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_key_hash` ON `api_keys` (`key_hash`);--> statement-breakpoint
CREATE INDEX `api_keys_account` ON `api_keys` (`account_id`);--> statement-breakpoint
CREATE TABLE `conference_runtime` (
	`conference_id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`instance_id` text,
	`switch_hostname` text,
	`started_at` integer NOT NULL,
	`locked` integer DEFAULT false NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `conference_runtime_account` ON `conference_runtime` (`account_id`);--> statement-breakpoint
CREATE TABLE `conferences` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`doc` text NOT NULL,
	`revision` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`deleted_at` integer,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `conferences_account` ON `conferences` (`account_id`,`deleted_at`);--> statement-breakpoint
CREATE TABLE `events` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`msg_id` text NOT NULL,
	`digest` text NOT NULL,
	`account_id` text,
	`conference_id` text,
	`call_id` text,
	`name` text NOT NULL,
	`routing_key` text NOT NULL,
	`body` text NOT NULL,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `events_msg` ON `events` (`msg_id`,`digest`);--> statement-breakpoint
CREATE INDEX `events_account_seq` ON `events` (`account_id`,`seq`);--> statement-breakpoint
CREATE INDEX `events_conference_seq` ON `events` (`conference_id`,`seq`);--> statement-breakpoint
CREATE TABLE `participants` (
	`conference_id` text NOT NULL,
	`call_id` text NOT NULL,
	`account_id` text NOT NULL,
	`participant_id` integer NOT NULL,
	`instance_id` text,
	`switch_hostname` text,
	`caller_id_name` text,
	`caller_id_number` text,
	`is_moderator` integer DEFAULT false NOT NULL,
	`floor` integer DEFAULT false NOT NULL,
	`hear` integer DEFAULT true NOT NULL,
	`speak` integer DEFAULT true NOT NULL,
	`talking` integer DEFAULT false NOT NULL,
	`mute_detect` integer DEFAULT false NOT NULL,
	`video` integer DEFAULT false NOT NULL,
	`energy_level` integer DEFAULT 0 NOT NULL,
	`current_energy` integer DEFAULT 0 NOT NULL,
	`joined_at` integer NOT NULL,
	`custom_channel_vars` text DEFAULT '{}' NOT NULL,
	`conference_channel_vars` text DEFAULT '{}' NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`conference_id`, `call_id`)
);
--> statement-breakpoint
CREATE INDEX `participants_member` ON `participants` (`conference_id`,`participant_id`);--> statement-breakpoint
CREATE INDEX `participants_account` ON `participants` (`account_id`);--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
