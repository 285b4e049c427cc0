-- Every live meeting's host and attendees (those with a user id) become rows of meeting_users.
INSERT OR IGNORE INTO `meeting_users` (`meeting_id`, `account_id`, `user_id`, `created_at`)
SELECT `id`, `account_id`, `host_id`, `created_at` FROM `meetings` WHERE `deleted_at` IS NULL;
--> statement-breakpoint
INSERT OR IGNORE INTO `meeting_users` (`meeting_id`, `account_id`, `user_id`, `created_at`)
SELECT m.`id`, m.`account_id`, CAST(json_extract(a.`value`, '$.id') AS TEXT), m.`created_at`
FROM `meetings` m, json_each(m.`attendees`) a
WHERE m.`deleted_at` IS NULL AND json_extract(a.`value`, '$.id') IS NOT NULL;
