-- Queue heads for the deliveries that were open before delivery_queues existed: per (endpoint,
-- conference) queue, its oldest open delivery; parked (due_at NULL) when the endpoint is disabled
-- or deleted. The same query the dispatcher's store runs per endpoint after a recover.
INSERT INTO `delivery_queues` (`webhook_id`, `ordering_key`, `head_seq_no`, `due_at`)
SELECT h.webhook_id, h.ordering_key, h.seq_no,
  CASE WHEN w.enabled = 1 AND w.deleted_at IS NULL THEN d.next_attempt_at END
FROM (
  SELECT `webhook_id`, `ordering_key`, min(`seq_no`) AS seq_no FROM `deliveries`
  WHERE `status` IN ('pending', 'retrying') GROUP BY `webhook_id`, `ordering_key`
) h
JOIN `deliveries` d ON d.seq_no = h.seq_no
LEFT JOIN `webhooks` w ON w.id = h.webhook_id;
