import { randomBytes, randomInt } from 'node:crypto';
import { S3Error } from '@coffer/protocol';
import type { Identity } from '../identity.js';
import type { AccountRecord } from '../stores/accounts.js';
import { type MetadataStore, StoreError } from '../stores/types.js';
import { AccountsError } from './errors.js';
import { openSecret, sealSecret } from './secret-box.js';

const ACCOUNT_NAME = /^[A-Za-z0-9_+=,.@-]{1,64}$/;
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomString(length: number): string {
  let out = '';
  for (const b of randomBytes(length)) out += ALPHANUMERIC[b % ALPHANUMERIC.length];
  return out;
}

/** An account as the rest of the server sees it (never its secret). */
export interface Account {
  appId: string;
  uin: string;
  name: string;
  createdMs: number;
  suspended: boolean;
  operator: boolean;
  /** Account-level Block Public Access (JSON of `PublicAccessBlock`), if set. */
  publicAccessBlock?: string;
}

/** What POST /-/admin/accounts answers: the new account and its root key, shown once. */
export interface NewAccount extends Account {
  secretId: string;
  secretKey: string;
}

/**
 * The deployment's accounts, held in memory (a deployment has few; every request asks about the one
 * it touches) and written through to the metadata store. The operator is the account of
 * `<data>/credentials.json`: its keys come from there (or the environment), never from the store,
 * and a data directory from before accounts existed gets its row at start (`load`). With several
 * gateways on one metadata store, a change made on one (a suspension, a deletion, a new account,
 * account-level Block Public Access) reaches the others within `ttlMs`: `refresh`, which
 * authentication and authorization await, re-reads the accounts when the copy is older than that
 * (one query a second per gateway at most), as the bucket cache (stores/cached-meta-store.ts) does.
 */
export class AccountRegistry {
  readonly #meta: MetadataStore;
  readonly #operator: Identity;
  readonly #secretsKey: Buffer;
  readonly #nowMs: () => number;
  readonly #byAppId = new Map<string, Account>();
  readonly #byUin = new Map<string, Account>();
  /** Root keys of the accounts other than the operator: SecretId → secret and account uin. */
  readonly #rootKeys = new Map<string, { secretKey: string; uin: string }>();
  readonly #ttlMs: number;
  /** performance.now() of the last read of the store (-Infinity: never read). */
  #readAtMs = Number.NEGATIVE_INFINITY;
  #reading: Promise<void> | undefined;
  /** Bumped by every change made here, so a re-read that raced one does not bring back the old state. */
  #generation = 0;

  constructor(options: {
    meta: MetadataStore;
    operator: Identity;
    secretsKey: Buffer;
    nowMs: () => number;
    /** How stale the copy of the accounts may get before `refresh` re-reads it (default 1 s). */
    ttlMs?: number;
  }) {
    this.#meta = options.meta;
    this.#operator = options.operator;
    this.#secretsKey = options.secretsKey;
    this.#nowMs = options.nowMs;
    this.#ttlMs = options.ttlMs ?? 1000;
    this.#remember(this.#operatorFallback());
  }

  /** The operator's account before its row is read (or when the store has none yet). */
  #operatorFallback(): Account {
    return {
      appId: this.#operator.appId,
      uin: this.#operator.uin,
      name: 'default',
      createdMs: 0,
      suspended: false,
      operator: true,
    };
  }

  /**
   * Reads every account from the store, first recording the operator's (its APPID and uin follow
   * credentials.json and COFFER_APPID, which may have changed since the row was written).
   */
  async load(): Promise<void> {
    const rows = await this.#meta.listAccounts();
    const operator = rows.find((a) => a.operator);
    if (!operator) {
      try {
        await this.#meta.createAccount({
          appId: this.#operator.appId,
          uin: this.#operator.uin,
          name: 'default',
          createdMs: this.#nowMs(),
          suspended: false,
          operator: true,
        });
      } catch (err) {
        // Gateways sharing one PostgreSQL start together: another one recorded it first.
        if (!(err instanceof StoreError && err.reason === 'conflict')) throw err;
      }
    } else if (operator.appId !== this.#operator.appId || operator.uin !== this.#operator.uin) {
      await this.#meta.updateAccount(operator.appId, { appId: this.#operator.appId, uin: this.#operator.uin });
    }
    await this.#read();
  }

  /**
   * Re-reads the accounts when the copy is older than the TTL, or at once when `force` (the store's
   * change feed says another gateway changed one); concurrent callers share one read.
   */
  refresh(force = false): Promise<void> | undefined {
    if (!force && performance.now() - this.#readAtMs < this.#ttlMs) return undefined;
    this.#reading ??= this.#read().finally(() => {
      this.#reading = undefined;
    });
    return this.#reading;
  }

  async #read(): Promise<void> {
    const generation = this.#generation;
    const startedMs = performance.now();
    const rows = await this.#meta.listAccounts();
    // A change made here while the rows were read: they may predate it; the next refresh reads again.
    if (generation !== this.#generation) return;
    this.#readAtMs = startedMs;
    this.#byAppId.clear();
    this.#byUin.clear();
    this.#rootKeys.clear();
    for (const row of rows) {
      this.#remember(row);
      if (row.rootSecretId && row.sealedRootSecret) {
        this.#rootKeys.set(row.rootSecretId, {
          secretKey: openSecret(this.#secretsKey, row.rootSecretId, row.sealedRootSecret),
          uin: row.uin,
        });
      }
    }
    if (!this.#byUin.has(this.#operator.uin)) this.#remember(this.#operatorFallback());
  }

  #remember(row: AccountRecord | Account): Account {
    this.#generation++;
    const account: Account = {
      appId: row.appId,
      uin: row.uin,
      name: row.name,
      createdMs: row.createdMs,
      suspended: row.suspended,
      operator: row.operator,
      ...(row.publicAccessBlock !== undefined ? { publicAccessBlock: row.publicAccessBlock } : {}),
    };
    const old = this.#byAppId.get(account.appId);
    if (old) this.#byUin.delete(old.uin);
    this.#byAppId.set(account.appId, account);
    this.#byUin.set(account.uin, account);
    return account;
  }

  get operator(): Account {
    return this.#byUin.get(this.#operator.uin)!;
  }

  /** The account whose root uin this is. */
  byUin(uin: string | undefined): Account | undefined {
    return uin === undefined ? undefined : this.#byUin.get(uin);
  }

  /** The account with this APPID, or 404 NoSuchAccount. */
  get(appId: string): Account {
    const account = this.#byAppId.get(appId);
    if (!account) throw new AccountsError('NoSuchAccount', `No account with APPID ${appId}.`);
    return account;
  }

  list(): Account[] {
    return [...this.#byAppId.values()].sort(
      (a, b) => Number(b.operator) - Number(a.operator) || a.createdMs - b.createdMs || a.appId.localeCompare(b.appId),
    );
  }

  /** The root key of an account other than the operator's, by SecretId. */
  rootKey(secretId: string): { secretKey: string; account: Account } | undefined {
    const key = this.#rootKeys.get(secretId);
    const account = key && this.#byUin.get(key.uin);
    return key && account && { secretKey: key.secretKey, account };
  }

  /** Whether a uin is in use as an account's root uin (sub-user uins must not collide with them). */
  isAccountUin(uin: string): boolean {
    return this.#byUin.has(uin);
  }

  /** Creates an account with a fresh APPID, root uin and root key. */
  async create(name: unknown): Promise<NewAccount> {
    if (typeof name !== 'string' || !ACCOUNT_NAME.test(name)) {
      throw new S3Error('InvalidArgument', 'An account name is 1-64 characters of A-Z a-z 0-9 and _+=,.@-');
    }
    if (this.list().some((a) => a.name === name)) {
      throw new AccountsError('AccountAlreadyExists', `An account named ${name} already exists.`);
    }
    for (let attempt = 0; ; attempt++) {
      const secretId = `AKID${randomString(32)}`;
      const secretKey = randomString(32);
      const record: AccountRecord = {
        appId: String(randomInt(1_250_000_000, 1_399_999_999)),
        uin: String(randomInt(100_000_000_000, 199_999_999_999)),
        name,
        rootSecretId: secretId,
        sealedRootSecret: sealSecret(this.#secretsKey, secretId, secretKey),
        createdMs: this.#nowMs(),
        suspended: false,
        operator: false,
      };
      if (this.#byAppId.has(record.appId) || this.#byUin.has(record.uin)) continue;
      // A sub-user may already hold the uin: account root uins and user uins share owner ids.
      if (await this.#meta.getUser(record.uin)) continue;
      try {
        await this.#meta.createAccount(record);
      } catch (err) {
        if (err instanceof StoreError && err.reason === 'conflict' && attempt < 5) continue;
        if (err instanceof StoreError && err.reason === 'conflict') {
          throw new AccountsError('AccountAlreadyExists', `An account named ${name} already exists.`);
        }
        throw err;
      }
      const account = this.#remember(record);
      this.#rootKeys.set(secretId, { secretKey, uin: record.uin });
      return { ...account, secretId, secretKey };
    }
  }

  /** Suspends (every key of the account and every request to its buckets refused) or reinstates an account. */
  async setSuspended(appId: string, suspended: boolean): Promise<Account> {
    const account = this.get(appId);
    if (account.operator && suspended) {
      throw new AccountsError('OperatorAccount', 'The operator account cannot be suspended.');
    }
    await this.#meta.updateAccount(appId, { suspended });
    return this.#remember({ ...account, suspended });
  }

  /** Sets (or with null removes) an account's Block Public Access configuration (JSON). */
  async setPublicAccessBlock(appId: string, doc: string | null): Promise<void> {
    const account = this.get(appId);
    await this.#meta.updateAccount(appId, { publicAccessBlock: doc });
    const { publicAccessBlock: _, ...rest } = account;
    this.#remember(doc === null ? rest : { ...rest, publicAccessBlock: doc });
  }

  /** Deletes an account that owns no bucket, with its sub-users, their keys and policies. */
  async delete(appId: string): Promise<void> {
    const account = this.get(appId);
    if (account.operator) throw new AccountsError('OperatorAccount', 'The operator account cannot be deleted.');
    try {
      await this.#meta.deleteAccount(appId);
    } catch (err) {
      if (err instanceof StoreError && err.reason === 'not-empty') {
        throw new AccountsError('AccountNotEmpty', `Account ${appId} still owns buckets: delete them first.`);
      }
      throw err;
    }
    this.#generation++;
    this.#byAppId.delete(appId);
    this.#byUin.delete(account.uin);
    for (const [id, key] of this.#rootKeys) if (key.uin === account.uin) this.#rootKeys.delete(id);
  }
}
