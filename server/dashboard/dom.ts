/**
 * The two DOM helpers every screen needs: a typed lookup that fails loudly when the page and the
 * script disagree, and an accessible button.
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
