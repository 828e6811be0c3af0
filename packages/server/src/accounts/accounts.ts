import { randomBytes, randomInt } from 'node:crypto';
import { S3Error } from '@coffer/protocol';
import type { Credential, Principal } from '../auth/types.js';
import { parsePolicy } from '../authz/policy.js';
import { type Identity, rootCredential, rootPrincipal } from '../identity.js';
import { type MetadataStore, StoreError, type UserRecord } from '../stores/types.js';
import { AccountsError } from './errors.js';
import { deriveKey } from './master-key.js';
import { type Account, AccountRegistry } from './registry.js';
import { openSecret, sealSecret } from './secret-box.js';
import {
  isTemporaryKeyId,
  newTemporaryKeyId,
  signSessionToken,
  temporarySecret,
  verifySessionToken,
} from './sts-token.js';

/** CAM lets a sub-user hold two access keys (so one can be rotated while the other works). */
export const MAX_KEYS_PER_USER = 2;
/** CAM's limit on a custom policy document. */
export const MAX_USER_POLICY_BYTES = 6144;
/** A session policy travels inside the token (headers, presigned URLs): keep it small. */
export const MAX_SESSION_POLICY_BYTES = 4096;
export const DEFAULT_STS_DURATION_SECONDS = 1800;
export const MIN_STS_DURATION_SECONDS = 900;
/** Cached credentials and principals, at most (a cache, not a copy of the table). */
const MAX_CACHED = 10_000;

const NAME = /^[A-Za-z0-9_+=,.@-]{1,64}$/;
const POLICY_NAME = /^[A-Za-z0-9_+=,.@-]{1,128}$/;
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomString(length: number): string {
  let out = '';
  for (const b of randomBytes(length)) out += ALPHANUMERIC[b % ALPHANUMERIC.length];
  return out;
}

export interface AccountsOptions {
  meta: MetadataStore;
  /** The 32 bytes of `<data>/master.key`. */
  masterKey: Buffer;
  root: Identity;
  /** The clock tokens expire by (the signature clock). */
  nowMs: () => number;
  /** Longest STS credentials may live (config `stsMaxDurationSeconds`). */
  stsMaxDurationSeconds: number;
  /** How long a gateway may act on a cached key, user or account after another changed it (default 1 s). */
  cacheTtlMs?: number;
}

export interface NewAccessKey {
  secretId: string;
  /** Returned once, at creation; stored only sealed. */
  secretKey: string;
  uin: string;
  createdMs: number;
}

export interface TemporaryCredentials {
  tmpSecretId: string;
  tmpSecretKey: string;
  sessionToken: string;
  /** Unix seconds. */
  startTime: number;
  expiredTime: number;
}

/**
 * The deployment's identities: its accounts (`registry`; the operator's root in credentials.json, the
 * others' root keys sealed in the store), each account's sub-users with their access keys and
 * user policies (in the metadata store), and STS credentials. `lookupCredential` is what
 * authentication calls for every signed request; it caches decrypted secrets and principals, and
 * every change made through this object invalidates what it touches at once. With several gateways
 * on one metadata store, a change made on another (a key or user deleted, a policy changed, an
 * account suspended or deleted) is seen within `cacheTtlMs`: cached keys and principals expire,
 * and the account registry re-reads the store on the same TTL (registry.ts). A store with a change
 * feed (PostgreSQL's LISTEN/NOTIFY) says so as the change commits, and the caches drop it at once.
 */
export class Accounts {
  readonly #meta: MetadataStore;
  readonly #root: Identity;
  readonly #rootCredential: Credential;
  readonly #nowMs: () => number;
  readonly #maxDurationS: number;
  readonly #secretsKey: Buffer;
  readonly #tokenKey: Buffer;
  readonly #tmpSecretKey: Buffer;
  /** Permanent keys of sub-users: decrypted secret and owner. */
  readonly #keys = new Map<string, Cached<{ secretKey: string; uin: string }>>();
  /** Sub-users as principals, with their policy documents. */
  readonly #principals = new Map<string, Cached<Principal>>();
  readonly #cacheTtlMs: number;
  /** Bumped by every invalidation, so a lookup that raced a change does not cache stale data. */
  #generation = 0;
  /** The deployment's accounts (the operator's is `root`). */
  readonly registry: AccountRegistry;

  constructor(options: AccountsOptions) {
    this.#meta = options.meta;
    this.#root = options.root;
    this.#rootCredential = rootCredential(options.root);
    this.#nowMs = options.nowMs;
    this.#maxDurationS = options.stsMaxDurationSeconds;
    this.#cacheTtlMs = options.cacheTtlMs ?? 1000;
    this.#secretsKey = deriveKey(options.masterKey, 'secrets-at-rest');
    this.#tokenKey = deriveKey(options.masterKey, 'sts-token');
    this.#tmpSecretKey = deriveKey(options.masterKey, 'sts-secret');
    this.registry = new AccountRegistry({
      meta: options.meta,
      operator: options.root,
      secretsKey: this.#secretsKey,
      nowMs: options.nowMs,
      ttlMs: this.#cacheTtlMs,
    });
    options.meta.changes?.subscribe((change) => {
      if (change.kind === 'identity') {
        if (change.secretId !== undefined) this.#invalidateKey(change.secretId);
        if (change.uin !== undefined) this.#invalidateUser(change.uin);
      } else if (change.kind === 'all' || change.kind === 'account') {
        this.#generation++;
        this.#keys.clear();
        this.#principals.clear();
        // An account created, suspended or deleted through another gateway.
        this.registry.refresh(true)?.catch(() => {});
      }
    });
  }

  /** Reads the deployment's accounts (recording the operator's on first start after an upgrade). */
  async load(): Promise<void> {
    await this.registry.load();
  }

  /** The operator's root uin. */
  get rootUin(): string {
    return this.#root.uin;
  }

  /** `qcs::cam::uin/<account>:uin/<uin>` (the operator's account by default). */
  ownerIdOf(uin: string, accountUin = this.#root.uin): string {
    return `qcs::cam::uin/${accountUin}:uin/${uin}`;
  }

  /** The APPID of the account an owner id (`qcs::cam::uin/<account>:uin/<uin>`) belongs to; the operator's if unknown. */
  appIdOf(ownerId: string | undefined): string {
    const account = ownerId === undefined ? undefined : /^qcs::cam::uin\/(\d+):/.exec(ownerId)?.[1];
    return this.registry.byUin(account)?.appId ?? this.#root.appId;
  }

  /** An account that exists and is not suspended, or the error a request signed by it gets. */
  #activeAccount(accountUin: string, accessKeyId: string): Account {
    const account = this.registry.byUin(accountUin);
    if (!account) {
      throw new S3Error('InvalidAccessKeyId', 'The account of this access key no longer exists.', {
        details: { AWSAccessKeyId: accessKeyId },
      });
    }
    if (account.suspended) throw new S3Error('AllAccessDisabled', 'All access to this account has been disabled.');
    return account;
  }

  // ---- users ------------------------------------------------------------------------------------

  async createUser(name: unknown, accountUin = this.#root.uin): Promise<UserRecord> {
    if (typeof name !== 'string' || !NAME.test(name)) {
      throw new S3Error('InvalidArgument', 'A user name is 1-64 characters of A-Z a-z 0-9 and _+=,.@-');
    }
    for (let attempt = 0; ; attempt++) {
      const uin = String(randomInt(100_000_000_000, 199_999_999_999));
      if (this.registry.isAccountUin(uin)) continue;
      const user: UserRecord = { uin, ownerUin: accountUin, name, createdMs: this.#nowMs() };
      try {
        await this.#meta.createUser(user);
        return user;
      } catch (err) {
        if (!(err instanceof StoreError && err.reason === 'conflict')) throw err;
        // The name is taken, or (rarely) the random uin: only the first is the caller's problem.
        if ((await this.#meta.listUsers(accountUin)).some((u) => u.name === name) || attempt >= 5) {
          throw new AccountsError('UserAlreadyExists', `A user named ${name} already exists.`);
        }
      }
    }
  }

  listUsers(accountUin = this.#root.uin): Promise<UserRecord[]> {
    return this.#meta.listUsers(accountUin);
  }

  /** A sub-user of the account; another account's user is as unknown as a user that does not exist. */
  async getUser(uin: string, accountUin = this.#root.uin): Promise<UserRecord> {
    const user = /^\d{1,20}$/.test(uin) ? await this.#meta.getUser(uin) : undefined;
    if (!user || user.ownerUin !== accountUin) throw new AccountsError('NoSuchUser', `No user with uin ${uin}.`);
    return user;
  }

  /** Deletes a user, its keys and policies; its keys and STS credentials stop working at once. */
  async deleteUser(uin: string, accountUin = this.#root.uin): Promise<void> {
    await this.getUser(uin, accountUin);
    this.#invalidateUser(uin);
    await this.#meta.deleteUser(uin).catch(notFound('NoSuchUser', `No user with uin ${uin}.`));
    this.#invalidateUser(uin);
  }

  // ---- access keys ------------------------------------------------------------------------------

  async createAccessKey(uin: string, accountUin = this.#root.uin): Promise<NewAccessKey> {
    await this.getUser(uin, accountUin);
    // COS SecretIds are "AKID" and 32 characters; SecretKeys 32 characters.
    const key = { secretId: `AKID${randomString(32)}`, secretKey: randomString(32), uin, createdMs: this.#nowMs() };
    try {
      await this.#meta.createAccessKey(
        {
          secretId: key.secretId,
          uin,
          sealedSecret: sealSecret(this.#secretsKey, key.secretId, key.secretKey),
          createdMs: key.createdMs,
        },
        MAX_KEYS_PER_USER,
      );
    } catch (err) {
      if (err instanceof StoreError && err.reason === 'limit-exceeded') {
        throw new AccountsError(
          'LimitExceeded',
          `A user can have at most ${MAX_KEYS_PER_USER} access keys; delete one first.`,
        );
      }
      if (err instanceof StoreError && err.reason === 'not-found') {
        throw new AccountsError('NoSuchUser', `No user with uin ${uin}.`);
      }
      throw err;
    }
    return key;
  }

  async listAccessKeys(uin: string, accountUin = this.#root.uin): Promise<{ secretId: string; createdMs: number }[]> {
    await this.getUser(uin, accountUin);
    return (await this.#meta.listAccessKeys(uin)).map((k) => ({ secretId: k.secretId, createdMs: k.createdMs }));
  }

  async deleteAccessKey(secretId: string, accountUin = this.#root.uin): Promise<void> {
    // Only a key of one of the account's own users: another account's key is as unknown as none.
    const record = await this.#meta.getAccessKey(secretId);
    const owner = record && (await this.#meta.getUser(record.uin));
    if (!owner || owner.ownerUin !== accountUin)
      throw new AccountsError('NoSuchAccessKey', `No access key ${secretId}.`);
    this.#invalidateKey(secretId);
    await this.#meta.deleteAccessKey(secretId).catch(notFound('NoSuchAccessKey', `No access key ${secretId}.`));
    this.#invalidateKey(secretId);
  }

  // ---- user policies ----------------------------------------------------------------------------

  /** Validates (MalformedPolicy) and attaches a CAM/IAM identity policy (COS or S3 syntax). */
  async putUserPolicy(uin: string, name: string, text: string, accountUin = this.#root.uin): Promise<void> {
    await this.getUser(uin, accountUin);
    checkPolicyName(name);
    if (Buffer.byteLength(text) > MAX_USER_POLICY_BYTES) {
      throw new S3Error('MalformedPolicy', `A user policy is at most ${MAX_USER_POLICY_BYTES} bytes.`);
    }
    parsePolicy(text, { appId: this.registry.byUin(accountUin)?.appId ?? this.#root.appId }, 'identity');
    this.#invalidateUser(uin);
    await this.#meta
      .putUserPolicy({ uin, name, doc: text, updatedMs: this.#nowMs() })
      .catch(notFound('NoSuchUser', `No user with uin ${uin}.`));
    this.#invalidateUser(uin);
  }

  async listUserPolicies(
    uin: string,
    accountUin = this.#root.uin,
  ): Promise<{ name: string; doc: string; updatedMs: number }[]> {
    await this.getUser(uin, accountUin);
    return (await this.#meta.listUserPolicies(uin)).map((p) => ({ name: p.name, doc: p.doc, updatedMs: p.updatedMs }));
  }

  async getUserPolicy(uin: string, name: string, accountUin = this.#root.uin): Promise<string> {
    const policy = (await this.listUserPolicies(uin, accountUin)).find((p) => p.name === name);
    if (!policy) throw new AccountsError('NoSuchUserPolicy', `User ${uin} has no policy named ${name}.`);
    return policy.doc;
  }

  async deleteUserPolicy(uin: string, name: string, accountUin = this.#root.uin): Promise<void> {
    await this.getUser(uin, accountUin);
    this.#invalidateUser(uin);
    await this.#meta
      .deleteUserPolicy(uin, name)
      .catch(notFound('NoSuchUserPolicy', `User ${uin} has no policy named ${name}.`));
    this.#invalidateUser(uin);
  }

  // ---- authentication ---------------------------------------------------------------------------

  /**
   * The credential behind an access key id, for authentication. A permanent key (root or
   * sub-user) must come without a security token; a temporary one only with its own token.
   */
  async lookupCredential(accessKeyId: string, securityToken?: string): Promise<Credential | undefined> {
    const token = securityToken === '' ? undefined : securityToken;
    await this.registry.refresh();
    if (isTemporaryKeyId(accessKeyId) && accessKeyId !== this.#rootCredential.accessKeyId) {
      return this.#temporaryCredential(accessKeyId, token);
    }
    const credential = await this.#permanentCredential(accessKeyId);
    if (credential && token !== undefined) {
      throw new S3Error(
        'InvalidToken',
        `The provided token is malformed or otherwise invalid: ${accessKeyId} is a permanent key, which takes no security token.`,
      );
    }
    return credential;
  }

  async #permanentCredential(accessKeyId: string): Promise<Credential | undefined> {
    if (accessKeyId === this.#rootCredential.accessKeyId) return this.#rootCredential;
    const root = this.registry.rootKey(accessKeyId);
    if (root) {
      this.#activeAccount(root.account.uin, accessKeyId);
      return { accessKeyId, secretKey: root.secretKey, principal: accountRootPrincipal(root.account) };
    }
    let key = fresh(this.#keys.get(accessKeyId));
    if (!key) {
      const generation = this.#generation;
      const record = await this.#meta.getAccessKey(accessKeyId);
      if (!record) {
        this.#keys.delete(accessKeyId);
        return undefined;
      }
      key = { secretKey: openSecret(this.#secretsKey, record.secretId, record.sealedSecret), uin: record.uin };
      if (generation === this.#generation) remember(this.#keys, accessKeyId, key, this.#cacheTtlMs);
    }
    const principal = await this.#userPrincipal(key.uin);
    return principal && { accessKeyId, secretKey: key.secretKey, principal };
  }

  async #temporaryCredential(accessKeyId: string, token: string | undefined): Promise<Credential> {
    if (token === undefined) {
      throw new S3Error(
        'InvalidAccessKeyId',
        `${accessKeyId} is a temporary access key: send its security token (x-cos-security-token or x-amz-security-token).`,
        { details: { AWSAccessKeyId: accessKeyId } },
      );
    }
    const claims = verifySessionToken(this.#tokenKey, token, accessKeyId, this.#nowMs());
    const account = this.#activeAccount(claims.accountUin, accessKeyId);
    const base =
      claims.uin === this.#root.uin
        ? rootPrincipal(this.#root)
        : claims.uin === account.uin
          ? accountRootPrincipal(account)
          : await this.#userPrincipal(claims.uin);
    if (base && base.ownerUin !== account.uin) {
      throw new S3Error(
        'InvalidToken',
        'The provided token is malformed or otherwise invalid: another account issued it.',
      );
    }
    if (!base) {
      throw new S3Error('InvalidAccessKeyId', 'The user these temporary credentials were issued to no longer exists.', {
        details: { AWSAccessKeyId: accessKeyId },
      });
    }
    return {
      accessKeyId,
      secretKey: temporarySecret(this.#tmpSecretKey, accessKeyId),
      principal: {
        ...base,
        ...(claims.policy !== undefined ? { sessionPolicy: claims.policy } : {}),
        sessionExpiresMs: claims.expiresS * 1000,
      },
    };
  }

  async #userPrincipal(uin: string): Promise<Principal | undefined> {
    const cached = fresh(this.#principals.get(uin));
    if (cached) {
      if (this.registry.byUin(cached.ownerUin)?.suspended) {
        throw new S3Error('AllAccessDisabled', 'All access to this account has been disabled.');
      }
      return cached;
    }
    const generation = this.#generation;
    const user = await this.#meta.getUser(uin);
    const account = user && this.registry.byUin(user.ownerUin);
    if (!user || !account) {
      this.#principals.delete(uin);
      return undefined;
    }
    if (account.suspended) throw new S3Error('AllAccessDisabled', 'All access to this account has been disabled.');
    const policies = (await this.#meta.listUserPolicies(uin)).map((p) => p.doc);
    const principal: Principal = {
      appId: account.appId,
      ownerUin: account.uin,
      uin,
      isRoot: false,
      policies,
    };
    if (generation === this.#generation) remember(this.#principals, uin, principal, this.#cacheTtlMs);
    return principal;
  }

  #invalidateKey(secretId: string): void {
    this.#generation++;
    this.#keys.delete(secretId);
  }

  #invalidateUser(uin: string): void {
    this.#generation++;
    this.#principals.delete(uin);
    for (const [id, key] of this.#keys) if (key.value.uin === uin) this.#keys.delete(id);
  }

  // ---- STS --------------------------------------------------------------------------------------

  /**
   * Issues temporary credentials for `caller` (a permanent key's principal), valid for
   * `durationSeconds` (default 30 minutes) and narrowed by `policy` when given: a request with them
   * needs the session policy to allow it, and everything that applies to the caller still applies.
   */
  issueTemporaryCredentials(
    caller: Principal,
    request: { durationSeconds?: number; policy?: string },
  ): TemporaryCredentials {
    if (caller.sessionExpiresMs !== undefined) {
      throw new S3Error(
        'AccessDenied',
        'Temporary credentials cannot request more temporary credentials; use a permanent key.',
      );
    }
    const maxS = this.#maxDurationS;
    const duration = request.durationSeconds ?? Math.min(DEFAULT_STS_DURATION_SECONDS, maxS);
    if (!Number.isInteger(duration) || duration < MIN_STS_DURATION_SECONDS || duration > maxS) {
      throw new S3Error(
        'InvalidArgument',
        `DurationSeconds must be a whole number of seconds from ${MIN_STS_DURATION_SECONDS} to ${maxS}.`,
        { details: { ArgumentName: 'DurationSeconds', ArgumentValue: String(request.durationSeconds) } },
      );
    }
    let policy: string | undefined;
    if (request.policy !== undefined) {
      parsePolicy(request.policy, { appId: caller.appId }, 'identity');
      policy = JSON.stringify(JSON.parse(request.policy));
      if (Buffer.byteLength(policy) > MAX_SESSION_POLICY_BYTES) {
        throw new S3Error(
          'MalformedPolicy',
          `A session policy is at most ${MAX_SESSION_POLICY_BYTES} bytes (without whitespace); this one has ${Buffer.byteLength(policy)}.`,
        );
      }
    }
    const startTime = Math.floor(this.#nowMs() / 1000);
    const expiredTime = startTime + duration;
    const tmpSecretId = newTemporaryKeyId();
    const sessionToken = signSessionToken(this.#tokenKey, {
      keyId: tmpSecretId,
      accountUin: caller.ownerUin,
      uin: caller.uin,
      issuedS: startTime,
      expiresS: expiredTime,
      ...(policy !== undefined ? { policy } : {}),
    });
    return {
      tmpSecretId,
      tmpSecretKey: temporarySecret(this.#tmpSecretKey, tmpSecretId),
      sessionToken,
      startTime,
      expiredTime,
    };
  }
}

/** The principal of an account's root key (the operator's is `rootPrincipal(identity)`). */
function accountRootPrincipal(account: Account): Principal {
  return { appId: account.appId, ownerUin: account.uin, uin: account.uin, isRoot: true };
}

function checkPolicyName(name: string): void {
  if (!POLICY_NAME.test(name)) {
    throw new S3Error('InvalidArgument', 'A policy name is 1-128 characters of A-Z a-z 0-9 and _+=,.@-');
  }
}

/** Turns a store's 'not-found' into the admin API's 404. */
function notFound(code: 'NoSuchUser' | 'NoSuchAccessKey' | 'NoSuchUserPolicy', message: string) {
  return (err: unknown): never => {
    if (err instanceof StoreError && err.reason === 'not-found') throw new AccountsError(code, message);
    throw err;
  };
}

/** A cache entry and when it stops being trusted (performance.now() time). */
interface Cached<V> {
  value: V;
  expiresMs: number;
}

function fresh<V>(entry: Cached<V> | undefined): V | undefined {
  return entry !== undefined && entry.expiresMs > performance.now() ? entry.value : undefined;
}

function remember<V>(map: Map<string, Cached<V>>, key: string, value: V, ttlMs: number): void {
  map.delete(key);
  if (map.size >= MAX_CACHED) map.delete(map.keys().next().value!);
  map.set(key, { value, expiresMs: performance.now() + ttlMs });
}
