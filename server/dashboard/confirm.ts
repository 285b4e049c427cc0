/**
 * "Are you sure?" for destructive actions (kick a caller, kick everyone, delete a conference or
 * a webhook): a modal `<dialog>`, so the browser traps focus, greys out the page and closes it
 * on Esc, and the question is read out with its explanation. Cancel has the focus at first, so a
 * stray Enter never destroys anything; focus goes back to the button that asked.
 * @module
 */

/** The question and the words of its buttons. */
export interface ConfirmOptions {
  /** The question, as the dialog's heading ("Kick Ada out of Daily standup?"). */
  title: string;
  /** What will happen, in a sentence under the heading. */
  message: string;
  /** The confirming button's text: the action itself ("Kick Ada"), never "OK". */
  confirmLabel: string;
  /** The control that asked (else whatever had the focus); it gets the focus back. */
  opener?: HTMLElement | null;
  /** Where focus goes if the opener is gone by then (say, a kicked caller's row). */
  fallbackFocus?: HTMLElement | null;
}

/**
 * Asks `options.title` in a modal dialog; answers true only when the confirming button was
 * pressed (Cancel, Esc and closing otherwise answer false). The dialog is removed afterwards.
 */
export function confirmAction(options: ConfirmOptions): Promise<boolean> {
  const active = document.activeElement;
  const opener = options.opener ?? (active instanceof HTMLElement ? active : null);
  const dialog = buildDialog(options);
  document.body.append(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener(
      "close",
      () => {
        dialog.remove();
        const target = opener?.isConnected ? opener : options.fallbackFocus;
        target?.focus();
        resolve(dialog.returnValue === "confirm");
      },
      { once: true },
    );
    dialog.showModal();
  });
}

/** Unique ids for the heading and message, so several dialogs never share one. */
function uniqueId(prefix: string): string {
  return `${prefix}-${crypto.randomUUID()}`;
}

function buildDialog({ title, message, confirmLabel }: ConfirmOptions): HTMLDialogElement {
  const dialog = document.createElement("dialog");
  dialog.className = "confirm";
  const heading = document.createElement("h2");
  heading.id = uniqueId("confirm-title");
  heading.textContent = title;
  const text = document.createElement("p");
  text.id = uniqueId("confirm-message");
  text.textContent = message;
  dialog.setAttribute("aria-labelledby", heading.id);
  dialog.setAttribute("aria-describedby", text.id);
  // A form with method="dialog" closes the dialog with the pressed button's value.
  const form = document.createElement("form");
  form.method = "dialog";
  const cancel = document.createElement("button");
  cancel.value = "cancel";
  cancel.textContent = "Cancel";
  cancel.autofocus = true;
  const confirm = document.createElement("button");
  confirm.value = "confirm";
  confirm.className = "danger";
  confirm.textContent = confirmLabel;
  const buttons = document.createElement("div");
  buttons.className = "dialog-buttons";
  buttons.append(cancel, confirm);
  form.append(buttons);
  dialog.append(heading, text, form);
  // Esc answers "cancel" too, whatever value the dialog last had.
  dialog.returnValue = "";
  return dialog;
}
