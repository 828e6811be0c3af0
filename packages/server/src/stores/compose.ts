import type { MetadataDomains } from './types.js';

/**
 * Makes `target` a MetadataStore from one object per domain: every method of each domain becomes an
 * own method of `target`, bound to its domain. A store class declares (by interface merging) that it
 * is a MetadataStore, defines `kind` and `close` itself, and calls this in its constructor;
 * MetadataDomains makes leaving a domain out a compile error, and each domain class `implements`
 * its interface, so a missing method is one too.
 *
 * @example
 * export interface SqliteMetaStore extends MetadataStore {}
 * export class SqliteMetaStore {
 *   readonly kind = 'sqlite';
 *   constructor() {
 *     composeDomains(this, { buckets: new SqliteBuckets(db), objects: new SqliteObjects(db), … });
 *   }
 * }
 */
export function composeDomains(target: object, domains: MetadataDomains): void {
  for (const domain of Object.values(domains) as object[]) {
    for (let proto = Object.getPrototypeOf(domain); proto && proto !== Object.prototype; ) {
      for (const name of Object.getOwnPropertyNames(proto)) {
        const value = (domain as Record<string, unknown>)[name];
        if (name === 'constructor' || typeof value !== 'function') continue;
        if (Object.hasOwn(target, name)) throw new Error(`two metadata domains define ${name}`);
        Object.defineProperty(target, name, { value: value.bind(domain), writable: true, configurable: true });
      }
      proto = Object.getPrototypeOf(proto);
    }
  }
}
