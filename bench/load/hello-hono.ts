/** Baseline for http: a hello-world Hono app on @hono/node-server. */
import { serve } from "@hono/node-server";
import { Hono } from "hono";

const app = new Hono();
app.get("/", (c) => c.json({ hello: "world" }));
const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
  process.send?.({ type: "ready", url: `http://127.0.0.1:${info.port}/` });
});
process.on("disconnect", () => server.close());
