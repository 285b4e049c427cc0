/**
 * One delivery in the log: a row with its event, status, time, attempts and latest answer, a
 * Retry button with its own error line, and a button that expands the row into every attempt
 * (time, status code, latency, the answer's first KiB or the error). A row is updated in place
 * when the delivery changes, so focus and an open row survive the log's refreshes.
 * @module
 */
import { messageOf } from "./api-client";
import { button, para } from "./dom";
import type { Delivery, DeliveryWithAttempts } from "./webhooks-api";
import { statusBadge, timeOf } from "./webhooks-render";

/** What a row asks of the log: the attempts of its delivery, and a retry. */
export interface RowActions {
  attempts(deliveryId: string): Promise<DeliveryWithAttempts>;
  retry(deliveryId: string): Promise<DeliveryWithAttempts>;
}

/** A drawn row: its `<tbody>` (row and expansion) and how to bring it up to date. */
export interface DeliveryRow {
  body: HTMLTableSectionElement;
  delivery: Delivery;
  update(delivery: Delivery): void;
}

const columns = ["Event", "Status", "Created", "Attempts", "Last answer", "Actions"] as const;

/** The log table's head; each row labels its cells with the same names (for narrow screens). */
export function deliveryTableHead(): HTMLTableSectionElement {
  const head = document.createElement("thead");
  const tr = head.insertRow();
  for (const name of columns) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = name;
    tr.append(th);
  }
  return head;
}

/** Draws one delivery. */
export function deliveryRow(initial: Delivery, actions: RowActions): DeliveryRow {
  const body = document.createElement("tbody");
  body.className = "delivery";
  body.dataset.delivery = initial.id;
  const tr = body.insertRow();
  const cells = Object.fromEntries(
    columns.map((name) => {
      const td = tr.insertCell();
      td.dataset.label = name;
      return [name, td];
    }),
  ) as Record<(typeof columns)[number], HTMLTableCellElement>;
  const expansion = body.insertRow();
  expansion.className = "attempts-row";
  expansion.hidden = true;
  const holder = expansion.insertCell();
  holder.colSpan = columns.length;
  holder.id = `attempts-${initial.id}`;

  const toggle = button(initial.event_type, "", () => void setOpen(!open));
  toggle.className = "expand";
  toggle.setAttribute("aria-expanded", "false");
  toggle.setAttribute("aria-controls", holder.id);
  const id = document.createElement("code");
  id.className = "mono delivery-id";
  id.textContent = initial.id;
  cells.Event.append(toggle, id);

  const retryError = para("", "alert");
  const retry = button("Retry", `Retry delivery ${initial.id}`, async () => {
    retryError.textContent = "";
    retry.disabled = true;
    try {
      row.update(await actions.retry(row.delivery.id));
    } catch (error) {
      retryError.textContent = `Retry failed: ${messageOf(error)}`;
    } finally {
      retry.disabled = false;
    }
  });
  cells.Actions.append(retry, retryError);

  let open = false;
  /** The attempt count drawn in the expansion, to read them again only when it changed. */
  let drawnAttempts = -1;
  const setOpen = async (next: boolean) => {
    open = next;
    toggle.setAttribute("aria-expanded", String(open));
    expansion.hidden = !open;
    if (open) {
      await drawAttempts();
    }
  };
  const drawAttempts = async () => {
    drawnAttempts = row.delivery.attempt_count;
    holder.replaceChildren(para("Reading the attempts…", "status"));
    try {
      const detail = await actions.attempts(row.delivery.id);
      holder.replaceChildren(attemptsView(detail));
    } catch (error) {
      holder.replaceChildren(para(`Could not read the attempts: ${messageOf(error)}`, "alert"));
    }
  };

  const row: DeliveryRow = {
    body,
    delivery: initial,
    update(delivery) {
      row.delivery = delivery;
      toggle.setAttribute(
        "aria-label",
        `${delivery.event_type} ${delivery.id}: ${delivery.status}, show its attempts`,
      );
      cells.Status.replaceChildren(statusBadge(delivery.status));
      if (delivery.next_attempt_at && delivery.status !== "succeeded") {
        const next = document.createElement("span");
        next.className = "help";
        next.append(" next ", timeOf(delivery.next_attempt_at));
        cells.Status.append(next);
      }
      cells.Created.replaceChildren(timeOf(delivery.created));
      cells.Attempts.textContent = String(delivery.attempt_count);
      cells["Last answer"].textContent =
        delivery.last_status_code === null
          ? delivery.attempt_count > 0
            ? "no answer"
            : "—"
          : `HTTP ${delivery.last_status_code}`;
      // Only a delivery no one is trying at this moment can be retried.
      retry.disabled = delivery.status === "pending";
      if (open && delivery.attempt_count !== drawnAttempts) {
        void drawAttempts();
      }
    },
  };
  row.update(initial);
  return row;
}

/** Every attempt of a delivery, oldest first, and what the delivery is about. */
function attemptsView(detail: DeliveryWithAttempts): HTMLElement {
  const wrap = document.createElement("div");
  wrap.className = "attempts";
  const about = document.createElement("p");
  about.className = "help";
  about.textContent = [
    `Event ${detail.event_id}`,
    detail.conference_id ? `conference ${detail.conference_id}` : undefined,
    detail.seq === undefined ? undefined : `seq ${detail.seq}`,
  ]
    .filter(Boolean)
    .join(" · ");
  wrap.append(about);
  if (detail.attempts.length === 0) {
    wrap.append(para("No attempt yet."));
    return wrap;
  }
  const list = document.createElement("ol");
  list.className = "attempt-list";
  for (const attempt of detail.attempts) {
    const item = document.createElement("li");
    const line = document.createElement("p");
    const outcome = document.createElement("strong");
    outcome.textContent =
      attempt.status_code === null ? "no answer" : `HTTP ${attempt.status_code}`;
    line.append(timeOf(attempt.at), " · ", outcome, ` · ${Math.round(attempt.duration_ms)} ms`);
    item.append(line);
    const said = attempt.error ?? attempt.response;
    if (said) {
      const pre = document.createElement("pre");
      pre.className = attempt.error ? "attempt-error" : "attempt-response";
      pre.textContent = attempt.error ? `Error: ${attempt.error}` : said;
      item.append(pre);
    }
    list.append(item);
  }
  wrap.append(list);
  return wrap;
}
