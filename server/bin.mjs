#!/usr/bin/env node
// `parley` (npx parley …): loads the TypeScript CLI through tsx, as `npm start` does.
import { register } from "tsx/esm/api";

register();
await import("./cli.ts");
