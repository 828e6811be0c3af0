import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccountRecord } from './accounts.js';
import type { MetadataStore } from './types.js';

const OPERATOR: AccountRecord = {
  appId: '1250000000',
  uin: '100000000000',
  name: 'default',
  createdMs: 1,
  suspended: false,
  operator: true,
};
const TEAM: AccountRecord = {
  appId: '1300000000',
  uin: '150000000000',
  name: 'team',
  rootSecretId: 'AKIDteam',
  sealedRootSecret: 'sealed',
  createdMs: 2,
  suspended: false,
  operator: false,
};

/** The AccountStore contract (stores/accounts.ts), for every MetadataStore implementation. */
export function accountStoreSuite(name: string, open: () => Promise<MetadataStore>): void {
  describe(`AccountStore contract: ${name}`, () => {
    let store: MetadataStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('creates and lists accounts, the operator first; refuses a taken APPID, uin, name or key id', async () => {
      await store.createAccount(TEAM);
      await store.createAccount(OPERATOR);
      expect(await store.listAccounts()).toEqual([OPERATOR, TEAM]);
      for (const clash of [
        { appId: TEAM.appId },
        { uin: TEAM.uin },
        { name: TEAM.name },
        { rootSecretId: TEAM.rootSecretId! },
      ]) {
        const other = {
          ...TEAM,
          appId: '1300000001',
          uin: '150000000001',
          name: 'other',
          rootSecretId: 'AKIDx',
          ...clash,
        };
        await expect(store.createAccount(other)).rejects.toMatchObject({ reason: 'conflict' });
      }
    });

    it('updates suspension, Block Public Access and the operator’s ids', async () => {
      await store.createAccount(OPERATOR);
      await store.createAccount(TEAM);
      await store.updateAccount(TEAM.appId, { suspended: true, publicAccessBlock: '{"blockPublicAcls":true}' });
      await store.updateAccount(OPERATOR.appId, { appId: '1251111111', uin: '100000000009' });
      const [op, team] = await store.listAccounts();
      expect(op).toMatchObject({ appId: '1251111111', uin: '100000000009', operator: true });
      expect(team).toMatchObject({ suspended: true, publicAccessBlock: '{"blockPublicAcls":true}' });
      await store.updateAccount(TEAM.appId, { publicAccessBlock: null });
      expect((await store.listAccounts())[1]!.publicAccessBlock).toBeUndefined();
      await expect(store.updateAccount('1', { suspended: true })).rejects.toMatchObject({ reason: 'not-found' });
    });

    it('lists an account’s buckets, whichever of its principals created them, and no one else’s', async () => {
      await store.createAccount(TEAM);
      const mine = `qcs::cam::uin/${TEAM.uin}:uin/${TEAM.uin}`;
      const mySub = `qcs::cam::uin/${TEAM.uin}:uin/190000000000`;
      // A uin that extends the account's: its owner ids share a prefix but not the ':' after it.
      const longer = `qcs::cam::uin/${TEAM.uin}1:uin/${TEAM.uin}1`;
      await store.createBucket({ name: 'b-root', ownerId: mine, region: 'r', createdMs: 1 });
      await store.createBucket({ name: 'a-sub', ownerId: mySub, region: 'r', createdMs: 1 });
      await store.createBucket({ name: 'c-other', ownerId: longer, region: 'r', createdMs: 1 });
      expect((await store.listAccountBuckets(TEAM.uin)).map((b) => b.name)).toEqual(['a-sub', 'b-root']);
    });

    it('deletes an account with its users only when it owns no bucket', async () => {
      await store.createAccount(TEAM);
      await store.createUser({ uin: '190000000000', ownerUin: TEAM.uin, name: 'u', createdMs: 1 });
      await store.createUser({ uin: '190000000001', ownerUin: '999', name: 'u', createdMs: 1 });
      await store.createBucket({
        name: 'b',
        ownerId: `qcs::cam::uin/${TEAM.uin}:uin/190000000000`,
        region: 'r',
        createdMs: 1,
      });
      await expect(store.deleteAccount(TEAM.appId)).rejects.toMatchObject({ reason: 'not-empty' });
      await store.deleteBucket('b');
      await store.deleteAccount(TEAM.appId);
      expect(await store.listAccounts()).toEqual([]);
      expect(await store.getUser('190000000000')).toBeUndefined();
      expect(await store.getUser('190000000001')).toBeDefined();
      await expect(store.deleteAccount(TEAM.appId)).rejects.toMatchObject({ reason: 'not-found' });
    });
  });
}
