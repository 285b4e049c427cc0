/**
 * The DOM helpers every screen draws with: a typed lookup that fails loudly when the page and
 * the script disagree, an accessible button, headings, paragraphs that announce themselves, and
 * the tables that stack into cards on a phone.
 * @module
 */

/**
 * The element `selector` names, checked to be a `type`, so a renamed id in index.html fails at
 * load with its name instead of as a `null` deep inside a handler.
 */
export function element<T extends Element>(
  selector: string,
  type: abstract new (...args: never[]) => T,
): T {
  const found = document.querySelector(selector);
  if (!(found instanceof type)) {
    throw new Error(`dashboard: ${selector} is missing from the page or not a ${type.name}`);
  }
  return found;
}

/** A button whose accessible name says what it acts on (`Mute Alice`), not only the verb. */
export function button(
  label: string,
  accessibleName: string,
  onClick: () => void,
): HTMLButtonElement {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.setAttribute("aria-label", accessibleName);
  b.addEventListener("click", onClick);
  return b;
}

/** A heading the screen focuses after a navigation, so keyboard users start there. */
export function heading(text: string, level: "h2" | "h3" = "h2"): HTMLHeadingElement {
  const h = document.createElement(level);
  h.textContent = text;
  if (level === "h2") {
    h.tabIndex = -1;
  }
  return h;
}

/** A paragraph; `alert` and `status` make it announce itself (and hide while empty). */
export function para(text: string, role?: "alert" | "status", className?: string): HTMLElement {
  const p = document.createElement("p");
  p.textContent = text;
  if (role) {
    p.setAttribute("role", role);
    p.classList.add(role === "alert" ? "error" : "status");
  }
  if (className) {
    p.classList.add(className);
  }
  return p;
}

/**
 * A table with a header row of `columns`, styled to stack into one card per row on narrow
 * screens (each cell names its column in `data-label`). Answers the table and its body.
 */
export function stackTable(
  columns: readonly string[],
  className = "",
): { table: HTMLTableElement; body: HTMLTableSectionElement } {
  const table = document.createElement("table");
  table.className = `stack ${className}`.trim();
  const head = table.createTHead().insertRow();
  for (const text of columns) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = text;
    head.append(th);
  }
  return { table, body: table.createTBody() };
}
