/**
 * What deriving webhook events needs to know about a conference and an account: its title (the
 * stored name, else its id), when it was created, and the number callers dial (a conference
 * number, else the first member number), for the payloads' `meeting` and `extra`.
 * @module
 */
import type { AccountService } from "../domain/accounts";
import type { ConferenceService } from "../domain/conferences";
import type { DeriveContext } from "./derive";

export function createDeriveContext(deps: {
  conferences: ConferenceService;
  accounts: AccountService;
}): DeriveContext {
  const { conferences, accounts } = deps;
  return {
    conference: (id) => {
      const owner = conferences.ownerOf(id);
      const stored = owner ? conferences.find(owner, id) : undefined;
      const doc = stored?.doc;
      const numbers = doc
        ? [doc.conference_numbers, (doc.member as { numbers?: unknown })?.numbers].flat()
        : [];
      return {
        title: typeof doc?.name === "string" ? doc.name : id,
        createdAt: stored ? conferences.createdAt(id) : null,
        number: (numbers.find((n) => typeof n === "string") as string | undefined) ?? null,
      };
    },
    accountName: (id) => accounts.get(id)?.name ?? "",
  };
}
