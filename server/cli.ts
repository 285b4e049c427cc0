/**
 * The `parley` command: `serve` (the default), `simulate`, `accounts create|list|rotate-key`,
 * `token`, `migrate`, `snapshot`, `events tail` and `--version`. Commands that touch the database open `PARLEY_DB` directly, so they work with
 * or without a running server.
 * @module
 */
import { parseArgs } from "node:util";
import { WebSocket } from "ws";
import { assembleIdentity } from "./assemble/domain";
import { tokenKeys } from "./assemble/secrets";
import { ConfigError, loadProcessConfig } from "./config";
import { openStore, StoreOpenError } from "./db/open";
import { writeSnapshot } from "./db/snapshot";
import { newSecret, osEntropy, sha256Hex } from "./domain/ids";
import { version } from "./version";

const help: Record<string, string> = {
  main: `usage: parley <command> [options]

commands:
  serve                    run the server (the default; configured by environment variables)
  simulate                 play a media server against parley over RabbitMQ
  accounts create <name>   create an account and print its API key
  accounts list            list the accounts (id, name, created)
  accounts rotate-key <id> give an account a new API key (printed once; the old one stops working)
  token <api_key>          print an auth token for an API key
  migrate                  create or upgrade the database at PARLEY_DB
  snapshot <file>          copy the database at PARLEY_DB (consistent, while it runs) to <file>
  events tail <account>    follow an account's conference events over the WebSocket feed

Run "parley <command> --help" for a command's options; "parley --version" prints the version.
`,
  serve: "usage: parley serve\n\nRuns the server; see the README for its environment variables.\n",
  accounts: `usage: parley accounts create <name> [--id <32-hex id>]
       parley accounts list
       parley accounts rotate-key <account_id>

create      creates an account in the database at PARLEY_DB and prints its id and API key
            (shown once).
list        prints every account: id, name and when it was created.
rotate-key  replaces the account's API key and prints the new one (shown once): the old key
            and the tokens exchanged for it stop working at once; the account's data stays as
            it is.
With AMQP_URL set (a cluster), create and rotate-key through the API instead (PUT /v2/accounts,
PUT /v2/accounts/{account_id}/api_key), so every node makes the same change.
`,
  token: `usage: parley token <api_key> [--user <user_id>]

Prints an auth token for the API key (valid PARLEY_TOKEN_TTL seconds).
`,
  snapshot: `usage: parley snapshot <file>

Writes a consistent copy of the database at PARLEY_DB, taken while parley runs, with the log
position its state stands at. Start a new cluster node with PARLEY_SNAPSHOT=<file> to begin there
instead of replaying the whole log (required once PARLEY_LOG_RETENTION trimmed its start).
`,
  migrate: "usage: parley migrate\n\nApplies the migrations to the database at PARLEY_DB.\n",
  events: `usage: parley events tail <account_id> --token <auth token> [--url <base>] [--binding <binding>]

Follows the account's events (binding conference.event.*.* unless given) and prints one line each.
--url defaults to http://127.0.0.1:$PORT (8080).
`,
};

function fail(message: string, code = 64): never {
  process.stderr.write(`parley: ${message}\n`);
  process.exit(code);
}

async function main(argv: string[]): Promise<void> {
  const [command = "serve", ...rest] = argv;
  const wantsHelp = rest.includes("--help") || rest.includes("-h");
  if (command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(help.main ?? "");
    return;
  }
  if (command === "--version" || command === "-v" || command === "version") {
    process.stdout.write(`parley ${version}\n`);
    return;
  }
  if (wantsHelp && command !== "simulate") {
    process.stdout.write(help[command] ?? help.main ?? "");
    return;
  }
  switch (command) {
    case "serve":
      await import("./main");
      return;
    case "simulate":
      process.argv = [process.argv[0] ?? "node", "simulate", ...rest];
      await import("./simulator/cli");
      return;
    case "migrate": {
      const config = loadProcessConfig();
      const store = openStore(config.databasePath, { sync: config.databaseSync });
      await store.close();
      process.stdout.write(`database ${config.databasePath} is up to date\n`);
      return;
    }
    case "snapshot": {
      const [target] = rest;
      if (!target) {
        fail(`usage: parley snapshot <file>\n\n${help.snapshot}`);
      }
      const config = loadProcessConfig();
      const positions = await writeSnapshot(config.databasePath, target).catch((error: Error) =>
        fail(`cannot write the snapshot: ${error.message}`, 1),
      );
      const at = positions.map(({ log, position }) => `${log} at position ${position}`).join(", ");
      process.stdout.write(
        `snapshot of ${config.databasePath} written to ${target} (${at || "no log applied yet"})\n`,
      );
      return;
    }
    case "accounts": {
      await accountsCommand(rest);
      return;
    }
    case "token": {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { user: { type: "string" } },
      });
      const [apiKey] = positionals;
      if (!apiKey) {
        fail(`usage: parley token <api_key>\n\n${help.token}`);
      }
      const user = values.user;
      const userId = user === undefined ? undefined : /^\d+$/.test(user) ? Number(user) : user;
      const token = await withIdentity(({ accounts, tokens }) => {
        const account = accounts.findByApiKey(apiKey);
        return (
          account && tokens.issue({ accountId: account.id, userId, keyId: account.keyId }).token
        );
      });
      if (!token) {
        fail("no account has this API key", 1);
      }
      process.stdout.write(`${token}\n`);
      return;
    }
    case "events": {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          token: { type: "string" },
          url: { type: "string" },
          binding: { type: "string" },
        },
      });
      const [sub, account] = positionals;
      if (sub !== "tail" || !account || !values.token) {
        fail(`usage: parley events tail <account_id> --token <auth token>\n\n${help.events}`);
      }
      const config = loadProcessConfig();
      const base = values.url ?? `http://127.0.0.1:${config.port}`;
      await tail(base, account, values.token, values.binding ?? "conference.event.*.*");
      return;
    }
    default:
      fail(`unknown command "${command}"\n\n${help.main}`);
  }
}

/** `parley accounts create|list|rotate-key`, on the database at PARLEY_DB. */
async function accountsCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { id: { type: "string" } },
  });
  const [sub, operand] = positionals;
  const writes = sub === "create" || sub === "rotate-key";
  if (!(sub === "list" || (writes && operand))) {
    fail(`usage: parley accounts create|list|rotate-key\n\n${help.accounts}`);
  }
  if (writes && loadProcessConfig().amqpUrl) {
    // A node's database follows the cluster's log: a change written to it alone would be lost
    // or contradicted. The API writes through the log.
    const route = sub === "create" ? "PUT /v2/accounts" : `PUT /v2/accounts/${operand}/api_key`;
    fail(
      `parley accounts ${sub} writes to one node's database; with AMQP_URL set (a cluster), use the API instead: ${route} with the admin token`,
      78,
    );
  }
  if (sub === "list") {
    const listed = await withIdentity(({ accounts }) => accounts.list());
    for (const account of listed) {
      process.stdout.write(
        `${account.id}  ${new Date(account.created).toISOString()}  ${account.name}\n`,
      );
    }
    if (listed.length === 0) {
      process.stderr.write("no accounts yet: parley accounts create <name>\n");
    }
    return;
  }
  const name = operand ?? "";
  if (sub === "create") {
    const account = await withIdentity(({ accounts }) => accounts.create(name, values.id));
    process.stdout.write(`account ${account.id} (${account.name})\napi key ${account.api_key}\n`);
    return;
  }
  const apiKey = newSecret(osEntropy);
  const account = await withIdentity(({ accounts }) =>
    accounts.get(name) ? accounts.rotateKey(name, sha256Hex(apiKey)).account : undefined,
  );
  if (!account) {
    fail(`no account has the id "${name}" (parley accounts list shows them)`, 1);
  }
  process.stdout.write(
    `account ${account.id} (${account.name})\napi key ${apiKey}\nthe previous key no longer works\n`,
  );
}

/** Prints each event frame as one line: time, event, conference, call, seq. */
function tail(base: string, account: string, token: string, binding: string): Promise<void> {
  return new Promise((done) => {
    const socket = new WebSocket(`${base.replace(/^http/, "ws")}/ws`);
    socket.on("open", () => {
      socket.send(
        JSON.stringify({
          action: "subscribe",
          auth_token: token,
          request_id: "tail",
          data: { account_id: account, binding },
        }),
      );
    });
    socket.on("message", (raw) => {
      const frame = JSON.parse(raw.toString()) as {
        action: string;
        status?: string;
        seq?: number;
        data: { event?: string; conference_id?: string; call_id?: string; errors?: string[] };
      };
      if (frame.action === "reply") {
        if (frame.status === "success") {
          process.stderr.write(`following ${binding}\n`);
        } else {
          fail(frame.data.errors?.join("; ") ?? "subscription refused", 1);
        }
        return;
      }
      const { event, conference_id, call_id } = frame.data;
      process.stdout.write(
        `${new Date().toISOString()} ${event ?? "?"} conference=${conference_id ?? "?"} call=${call_id ?? "-"} seq=${frame.seq ?? "-"}\n`,
      );
    });
    socket.on("error", (error) => fail(`cannot follow events: ${error.message}`, 1));
    socket.on("close", () => done());
    process.on("SIGINT", () => socket.close());
  });
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof StoreOpenError) {
    fail(error.message, 78);
  }
  fail((error as Error).message ?? String(error), 1);
});

/**
 * Runs `use` with the accounts and tokens of the database at `PARLEY_DB`, assembled as the server
 * assembles them, and closes the database after.
 */
async function withIdentity<T>(
  use: (identity: ReturnType<typeof assembleIdentity>) => T,
): Promise<T> {
  const config = loadProcessConfig();
  const store = openStore(config.databasePath, { sync: config.databaseSync });
  try {
    return use(
      assembleIdentity(config, {
        store,
        tokenKeys: tokenKeys(store.db, config),
        now: Date.now,
        entropy: osEntropy,
      }),
    );
  } finally {
    await store.close();
  }
}
