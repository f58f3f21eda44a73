// Who may call the gateway: access keys, their secrets and the caller identity each one stands for.
import { createHash } from "node:crypto";
import type { Caller } from "../bus/index.ts";

export interface Principal {
  secretAccessKey: string;
  caller: Caller;
}

export interface AccessKey {
  accessKeyId: string;
  secretAccessKey: string;
  userName: string;
}

/** A stable AWS-style user id (AIDA + 17 characters) derived from the user name and account. */
const userIdFor = (accountId: string, userName: string): string =>
  "AIDA" + createHash("sha256").update(`${accountId}/${userName}`).digest("hex").slice(0, 17).toUpperCase();

export class Principals {
  private readonly byKey = new Map<string, Principal>();

  constructor(accountId: string, keys: AccessKey[]) {
    for (const k of keys) {
      this.byKey.set(k.accessKeyId, {
        secretAccessKey: k.secretAccessKey,
        caller: {
          accountId,
          arn: `arn:aws:iam::${accountId}:user/${k.userName}`,
          userId: userIdFor(accountId, k.userName),
          accessKeyId: k.accessKeyId,
        },
      });
    }
  }

  lookup(accessKeyId: string): Principal | undefined {
    return this.byKey.get(accessKeyId);
  }
}
