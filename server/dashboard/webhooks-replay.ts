/**
 * "Replay failed since…": sends again every delivery of an endpoint that failed (dead, or still
 * retrying) and was created since a time the operator picks, with the API's `recover` action,
 * and says how many went out again.
 * @module
 */

import { messageOf } from "./api-client";
import { heading, para } from "./dom";
import type { WebhooksApi } from "./webhooks-api";
import { field, isoFromLocal, localInputValue } from "./webhooks-render";

/** The replay form of endpoint `webhookId`; `onReplayed` runs after deliveries were scheduled. */
export function replaySection(
  api: WebhooksApi,
  webhookId: string,
  onReplayed: (count: number) => void,
): HTMLElement {
  const section = document.createElement("section");
  section.className = "endpoint-part";
  const title = heading("Replay failed deliveries", "h3");
  title.id = `replay-title-${webhookId}`;
  section.setAttribute("aria-labelledby", title.id);
  const form = document.createElement("form");
  form.className = "inline-form replay";
  form.noValidate = true;
  const since = field(
    "Failed since",
    document.createElement("input"),
    "Deliveries created since then that are dead or still retrying go out again now.",
  );
  since.control.type = "datetime-local";
  since.control.value = localInputValue(new Date(Date.now() - 24 * 3_600_000));
  const submit = document.createElement("button");
  submit.type = "submit";
  submit.textContent = "Replay failed";
  const status = para("", "status");
  form.append(since.wrapper, submit, status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    since.error.textContent = "";
    since.control.removeAttribute("aria-invalid");
    status.textContent = "";
    const iso = isoFromLocal(since.control.value);
    if (!iso) {
      since.error.textContent = "Choose a date and time.";
      since.control.setAttribute("aria-invalid", "true");
      since.control.focus();
      return;
    }
    submit.disabled = true;
    try {
      const count = await api.recover(webhookId, iso);
      status.textContent =
        count === 0
          ? "Nothing failed since then."
          : `${count} ${count === 1 ? "delivery" : "deliveries"} scheduled again.`;
      onReplayed(count);
    } catch (failure) {
      since.error.textContent = `Replay failed: ${messageOf(failure)}`;
      since.control.setAttribute("aria-invalid", "true");
    } finally {
      submit.disabled = false;
    }
  });
  section.append(title, form);
  return section;
}
