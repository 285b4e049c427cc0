import { describe, expect, it } from "vitest";
import type { ParleyServer } from "../server/create-server";
import { apiClient, createAccount, createConference, type TestAccount } from "./helpers/api";
import { runCurl, shellWords } from "./helpers/curl";
import { captureCommands, embeddedBus, type Joiner, joinParticipants } from "./helpers/live";
import { startServer } from "./helpers/server";

/** Seed 003's three curl examples, verbatim (indentation included). */
const seedBaseUrl = "https://apps.hostedpbx.ie:8443";

const conferenceActionCurl = `curl -v -X PUT \\
    -d '{"data": {"action": {CONFERENCE_ACTION}}}' \\
    -H "X-Auth-Token: {AUTH_TOKEN}" \\
    https://apps.hostedpbx.ie:8443/v2/accounts/{ACCOUNT_ID}/conferences/{CONFERENCE_ID}`;

const participantsActionCurl = `curl -v -X PUT \\
      -d '{"data": {"action": {PARTICIPANTS_ACTION}}}' \\
      -H "X-Auth-Token: {AUTH_TOKEN}" \\
      https://apps.hostedpbx.ie:8443/v2/accounts/{ACCOUNT_ID}/conferences/{CONFERENCE_ID}/participants`;

const participantActionCurl = `curl -v -X PUT \\
      -d '{"data": {"action": {PARTICIPANT_ACTION}}}' \\
      -H "X-Auth-Token: {AUTH_TOKEN}" \\
      https://apps.hostedpbx.ie:8443/v2/accounts/{ACCOUNT_ID}/conferences/{CONFERENCE_ID}/participants/{PARTICIPANT_ID}`;

/** A speaking member (1), a muted and deafened member (2), and a moderator (3). */
const roster: Joiner[] = [
  { callId: "seed-call-1", participantId: 1 },
  { callId: "seed-call-2", participantId: 2, speak: false, hear: false },
  { callId: "seed-call-3", participantId: 3, isModerator: true },
];

async function setup() {
  const server = await startServer();
  const api = apiClient(server);
  const account = await createAccount(api);
  const conferenceId = await createConference(api, account, { name: "Seed 003" });
  await joinParticipants(server, api, account, conferenceId, roster);
  const commands = captureCommands(embeddedBus(server));
  return { server, account, conferenceId, commands };
}

/** Substitutes the seed's placeholders, then splits the command as a shell would. */
function curlArgs(
  template: string,
  server: ParleyServer,
  account: TestAccount,
  conferenceId: string,
  action: { placeholder: string; value: string },
  participantId = "1",
): string[] {
  const command = template
    .replaceAll(`{${action.placeholder}}`, JSON.stringify(action.value))
    .replaceAll("{AUTH_TOKEN}", account.token)
    .replaceAll("{ACCOUNT_ID}", account.id)
    .replaceAll("{CONFERENCE_ID}", conferenceId)
    .replaceAll("{PARTICIPANT_ID}", participantId)
    .replaceAll(seedBaseUrl, server.url);
  expect(command).not.toMatch(/\{[A-Z_]+\}/);
  const words = shellWords(command);
  expect(words[0]).toBe("curl");
  return words.slice(1);
}

function expectCurlSuccess(result: { status: number; body: string; trace: string }) {
  expect(result.status).toBe(201);
  // curl's -d sends the JSON form-encoded; parley must read it anyway
  expect(result.trace).toMatch(/^> Content-Type: application\/x-www-form-urlencoded\r?$/im);
  const body = JSON.parse(result.body);
  expect(body.status).toBe("success");
  return body;
}

describe("seed 003 curl examples, run literally", () => {
  for (const action of ["lock", "unlock"] as const) {
    it(`performs the conference action ${action} and publishes a ${action} command`, async () => {
      const { server, account, conferenceId, commands } = await setup();
      const args = curlArgs(conferenceActionCurl, server, account, conferenceId, {
        placeholder: "CONFERENCE_ACTION",
        value: action,
      });
      const body = expectCurlSuccess(await runCurl(args));
      expect(body.data).toBe("ok");
      expect(commands).toHaveLength(1);
      expect(commands[0]?.routingKey).toBe(`conference.command.${conferenceId}`);
      expect(commands[0]?.command).toMatchObject({
        "Event-Category": "conference",
        "Event-Name": "command",
        "Application-Name": action,
        "Conference-ID": conferenceId,
        "App-Name": "parley",
      });
      expect(commands[0]?.command).not.toHaveProperty("Participant-ID");
    });
  }

  // Which participants each bulk action reaches with the roster above (moderators are spared
  // everything but kick; only those whose state would change are sent a command).
  const bulk = [
    ["mute", "mute_participant", [1]],
    ["unmute", "unmute_participant", [2]],
    ["deaf", "deaf_participant", [1]],
    ["undeaf", "undeaf_participant", [2]],
    ["kick", "kick", [1, 2, 3]],
  ] as const;
  for (const [action, applicationName, targets] of bulk) {
    it(`performs the participants action ${action} and publishes ${applicationName} to ${targets.join(", ")}`, async () => {
      const { server, account, conferenceId, commands } = await setup();
      const args = curlArgs(participantsActionCurl, server, account, conferenceId, {
        placeholder: "PARTICIPANTS_ACTION",
        value: action,
      });
      expectCurlSuccess(await runCurl(args));
      expect(commands.map((c) => c.command["Participant-ID"]).sort()).toEqual([...targets]);
      for (const { routingKey, command } of commands) {
        expect(routingKey).toBe(`conference.command.${conferenceId}`);
        expect(command).toMatchObject({
          "Event-Category": "conference",
          "Event-Name": "command",
          "Application-Name": applicationName,
          "Conference-ID": conferenceId,
          "App-Name": "parley",
        });
      }
    });
  }

  const single = [
    ["mute", "mute_participant"],
    ["unmute", "unmute_participant"],
    ["deaf", "deaf_participant"],
    ["undeaf", "undeaf_participant"],
    ["kick", "kick"],
  ] as const;
  for (const [action, applicationName] of single) {
    it(`performs the participant action ${action} and publishes one ${applicationName}`, async () => {
      const { server, account, conferenceId, commands } = await setup();
      const args = curlArgs(
        participantActionCurl,
        server,
        account,
        conferenceId,
        { placeholder: "PARTICIPANT_ACTION", value: action },
        "1",
      );
      const body = expectCurlSuccess(await runCurl(args));
      expect(body.data).toBe("ok");
      expect(commands).toHaveLength(1);
      expect(commands[0]?.routingKey).toBe(`conference.command.${conferenceId}`);
      expect(commands[0]?.command).toMatchObject({
        "Event-Category": "conference",
        "Event-Name": "command",
        "Application-Name": applicationName,
        "Conference-ID": conferenceId,
        "Participant-ID": 1,
        "App-Name": "parley",
      });
    });
  }

  it("splits the seed's commands into curl's words as a shell would", () => {
    expect(shellWords(conferenceActionCurl)).toEqual([
      "curl",
      "-v",
      "-X",
      "PUT",
      "-d",
      '{"data": {"action": {CONFERENCE_ACTION}}}',
      "-H",
      "X-Auth-Token: {AUTH_TOKEN}",
      "https://apps.hostedpbx.ie:8443/v2/accounts/{ACCOUNT_ID}/conferences/{CONFERENCE_ID}",
    ]);
  });
});
