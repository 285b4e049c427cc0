/**
 * parley's version, from package.json: reported in every envelope and in `User-Agent`.
 * @module
 */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

export const version: string = (require("../package.json") as { version: string }).version;
