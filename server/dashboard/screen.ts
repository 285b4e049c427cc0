/**
 * What main.ts needs of a screen of the console: the section it draws in, shown while its route
 * is current, and what to do on arriving and leaving. A screen reads only the public API.
 * @module
 */
import type { Route } from "./routes";

/** One screen of the console, shown by main.ts when the URL fragment names it. */
export interface Screen {
  /** The section the screen draws in; main.ts shows it and hides every other screen's. */
  readonly root: HTMLElement;
  /** Draws the screen for `route` (one of its own), reading what it needs from the API. */
  show(route: Route): Promise<void> | void;
  /** Leaves the screen: drops what it was still reading and any timers. */
  close(): void;
}
