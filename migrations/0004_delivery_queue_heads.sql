CREATE TABLE `delivery_queues` (
	`webhook_id` text NOT NULL,
	`ordering_key` text NOT NULL,
	`head_seq_no` integer NOT NULL,
	`due_at` integer,
	PRIMARY KEY(`webhook_id`, `ordering_key`)
);
--> statement-breakpoint
CREATE INDEX `delivery_queues_due` ON `delivery_queues` (`due_at`,`head_seq_no`) WHERE due_at IS NOT NULL;--> statement-breakpoint
DROP INDEX `deliveries_open`;