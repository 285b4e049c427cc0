DROP INDEX `delivery_queues_due`;--> statement-breakpoint
CREATE INDEX `delivery_queues_endpoint_due` ON `delivery_queues` (`webhook_id`,`due_at`,`head_seq_no`) WHERE due_at IS NOT NULL;--> statement-breakpoint
ALTER TABLE `webhooks` ADD `ordered` integer DEFAULT true NOT NULL;