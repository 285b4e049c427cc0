/**
 * The endpoints table of the webhooks screen (`#webhooks`): each endpoint's name (its link),
 * URL, state and latest attempt, and what waits to be sent, so a failing endpoint stands out at
 * a glance. On a narrow screen each row becomes a card.
 * @module
 */
import { para, stackTable } from "./dom";
import { webhooksHref } from "./routes";
import type { Endpoint } from "./webhooks-api";
import { lastAttemptText, stateBadge } from "./webhooks-render";

const columns = ["Endpoint", "URL", "State", "Last attempt", "Waiting"] as const;

/** The table of `endpoints`, or a line saying there are none yet. */
export function endpointTable(endpoints: Endpoint[]): HTMLElement {
  if (endpoints.length === 0) {
    return para("No endpoints yet. Add one to have parley post its events to it.");
  }
  const { table, body } = stackTable(columns, "endpoints");
  for (const endpoint of endpoints) {
    const tr = body.insertRow();
    tr.dataset.webhook = endpoint.id;
    const cell = (name: (typeof columns)[number], ...content: (string | Node)[]) => {
      const td = tr.insertCell();
      td.dataset.label = name;
      td.append(...content);
      return td;
    };
    const link = document.createElement("a");
    link.href = webhooksHref(endpoint.id);
    link.textContent = endpoint.name;
    cell("Endpoint", link);
    cell("URL", endpoint.url).classList.add("mono");
    cell("State", stateBadge(endpoint._read_only?.state));
    cell("Last attempt", lastAttemptText(endpoint._read_only));
    const health = endpoint._read_only;
    cell("Waiting", health ? String(health.pending + health.retrying) : "—");
  }
  return table;
}
