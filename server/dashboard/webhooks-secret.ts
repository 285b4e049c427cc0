/**
 * An endpoint's signing secret on its screen: masked until the operator asks to see it (it is
 * read from the API only then), and rotated after a confirmation. After a rotation the previous
 * secret keeps signing beside the new one for 24 hours, so receivers can be switched over.
 * @module
 */
import { messageOf } from "./api-client";
import { confirmAction } from "./confirm";
import { button, heading, para } from "./dom";
import type { WebhooksApi } from "./webhooks-api";

const mask = "whsec_••••••••••••••••";

/** The secret section of endpoint `webhookId` (named `name` in the dialog). */
export function secretSection(api: WebhooksApi, webhookId: string, name: string): HTMLElement {
  const section = document.createElement("section");
  section.className = "endpoint-part";
  const title = heading("Signing secret", "h3");
  title.id = `secret-title-${webhookId}`;
  section.setAttribute("aria-labelledby", title.id);
  const about = para(
    "Receivers verify each request's webhook-signature with it (Standard Webhooks).",
    undefined,
    "help",
  );
  const value = document.createElement("code");
  value.className = "secret";
  value.id = `secret-${webhookId}`;
  value.textContent = mask;
  const status = para("", "status");
  const error = para("", "alert");
  /** The secret once read; forgotten when rotated. */
  let known: string | undefined;

  const show = (secret: string | undefined) => {
    value.textContent = secret ?? mask;
    reveal.textContent = secret ? "Hide secret" : "Reveal secret";
    reveal.setAttribute("aria-expanded", String(secret !== undefined));
  };
  const reveal = button("Reveal secret", "", async () => {
    error.textContent = "";
    if (value.textContent !== mask) {
      show(undefined);
      return;
    }
    reveal.disabled = true;
    try {
      known ??= (await api.secrets(webhookId)).secret;
      show(known);
    } catch (failure) {
      error.textContent = `Could not read the secret: ${messageOf(failure)}`;
    } finally {
      reveal.disabled = false;
    }
  });
  reveal.removeAttribute("aria-label");
  reveal.setAttribute("aria-controls", value.id);
  reveal.setAttribute("aria-expanded", "false");

  const rotate = button("Rotate secret", `Rotate the signing secret of ${name}`, async () => {
    error.textContent = "";
    status.textContent = "";
    const confirmed = await confirmAction({
      title: `Rotate the signing secret of ${name}?`,
      message:
        "parley signs with a new secret from now on. The current one keeps signing beside it for 24 hours: give the receiver the new one before then.",
      confirmLabel: "Rotate secret",
      opener: rotate,
    });
    if (!confirmed) {
      return;
    }
    rotate.disabled = true;
    try {
      const rotated = await api.rotateSecret(webhookId);
      known = rotated.secret;
      show(known);
      status.textContent = "New secret shown above. The previous one keeps signing for 24 hours.";
    } catch (failure) {
      error.textContent = `Rotating the secret failed: ${messageOf(failure)}`;
    } finally {
      rotate.disabled = false;
    }
  });
  rotate.classList.add("danger");
  const buttons = document.createElement("div");
  buttons.className = "button-row";
  buttons.append(reveal, rotate);
  section.append(title, about, value, buttons, status, error);
  return section;
}
