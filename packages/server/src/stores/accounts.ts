/**
 * The accounts of a deployment, as the metadata store keeps them (issue 16). Each account is an
 * APPID with its root uin and root key; its sub-users (`users.owner_uin`), buckets (owner ids
 * `qcs::cam::uin/<root uin>:…`) and policies hang off the root uin. The first account (the one in
 * `<data>/credentials.json`) is the operator: its row has no sealed secret, its keys live in that file.
 */
export interface AccountRecord {
  appId: string;
  /** The root uin: the account's id in owner ids, ACL grants and policy principals. */
  uin: string;
  /** Unique in the deployment. */
  name: string;
  /** The root SecretId; undefined for the operator (credentials.json holds its keys). */
  rootSecretId?: string;
  /** The root SecretKey, encrypted by the caller (the store never sees it in clear). */
  sealedRootSecret?: string;
  createdMs: number;
  suspended: boolean;
  /** The first account: may create, list, suspend and delete the others. */
  operator: boolean;
  /** The account-level Block Public Access configuration (JSON), if set. */
  publicAccessBlock?: string;
}

/** What may change on an account after it is created. */
export interface AccountPatch {
  suspended?: boolean;
  /** null removes it. */
  publicAccessBlock?: string | null;
  /** Only the operator's row changes these (credentials.json or COFFER_APPID changed). */
  appId?: string;
  uin?: string;
}

/** The accounts part of `MetadataStore`. */
export interface AccountStore {
  /** Adds an account; StoreError 'conflict' when its APPID, uin, name or root key id is taken. */
  createAccount(account: AccountRecord): Promise<void>;
  /** Every account, the operator first, then by creation. */
  listAccounts(): Promise<AccountRecord[]>;
  /** StoreError 'not-found' for an unknown APPID. */
  updateAccount(appId: string, patch: AccountPatch): Promise<void>;
  /**
   * Removes an account with its sub-users (their keys and policies go too). StoreError 'not-empty'
   * while a bucket is owned by it, 'not-found' for an unknown APPID.
   */
  deleteAccount(appId: string): Promise<void>;
}
