import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..");

/** Every TypeScript file under `folder`, relative to the project root. */
function sourcesIn(folder: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        walk(path);
      } else if (/\.tsx?$/.test(name) && !name.endsWith(".d.ts")) {
        found.push(relative(root, path));
      }
    }
  };
  walk(join(root, folder));
  return found.sort();
}

/** What a file imports (and re-exports from), read by the TypeScript parser, not a regex. */
function importsOf(file: string): Array<{ specifier: string; target: string }> {
  const text = readFileSync(join(root, file), "utf8");
  return ts.preProcessFile(text, true, true).importedFiles.map(({ fileName }) => ({
    specifier: fileName,
    // A relative import as a project path; a package import as its name.
    target: fileName.startsWith(".")
      ? relative(root, resolve(root, dirname(file), fileName))
      : fileName,
  }));
}

/** The package a bare specifier names (`@hono/node-server/x` → `@hono/node-server`). */
function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier);
}

describe("the layering the design promises", () => {
  it("keeps protocol/ the contract: it imports nothing from server/", () => {
    const files = sourcesIn("protocol");
    expect(files.length).toBeGreaterThan(5);
    const offending = files.flatMap((file) =>
      importsOf(file)
        .filter(({ target }) => target.startsWith("server/") || target === "server")
        .map(({ specifier }) => `${file} imports ${specifier}`),
    );
    expect(offending).toEqual([]);
  });

  it("keeps the domain free of frameworks, drivers and adapters: it reaches them only through its ports", () => {
    const files = sourcesIn("server/domain");
    expect(files.length).toBeGreaterThan(10);
    // Transports and drivers the domain must not know; the store port (server/domain/store.ts)
    // is the one place that names the database layer.
    const forbiddenPackages = new Set([
      "hono",
      "@hono/node-server",
      "@hono/zod-openapi",
      "ws",
      "amqplib",
      "better-sqlite3",
      "prom-client",
      "pino",
    ]);
    const forbiddenNode = new Set(["node:http", "node:https", "node:net", "node:dgram"]);
    const adapterFolders = ["server/http/", "server/ws/", "server/amqp/", "server/simulator/"];
    const offending = files.flatMap((file) =>
      importsOf(file)
        .filter(({ specifier, target }) => {
          if (!specifier.startsWith(".")) {
            return forbiddenPackages.has(packageOf(specifier)) || forbiddenNode.has(specifier);
          }
          if (target.startsWith("server/db/") && file !== "server/domain/store.ts") {
            // Table definitions are the schema the query builder speaks; the connection is not.
            return !target.startsWith("server/db/schema");
          }
          return adapterFolders.some((folder) => target.startsWith(folder));
        })
        .map(({ specifier }) => `${file} imports ${specifier}`),
    );
    expect(offending).toEqual([]);
  });

  it("finds the imports it checks (a file that imports a driver is caught)", () => {
    const text = 'import Database from "better-sqlite3";\nexport { x } from "../amqp/rabbitmq";';
    const found = ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
    expect(found).toEqual(["better-sqlite3", "../amqp/rabbitmq"]);
  });
});
