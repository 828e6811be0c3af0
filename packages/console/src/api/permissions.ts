/**
 * What the signed-in caller may do, from the server's own authorization (`GET /-/whoami`,
 * docs/admin-api.md): the console offers an action only when the server would allow it, instead of
 * showing a button whose click ends in AccessDenied. One request answers every bucket of the Bucket
 * List, one more each opened bucket; nothing is probed by trying it (a probe of DeleteBucket would
 * delete the bucket). While the answer is on its way, the root is offered everything (it nearly always
 * may) and a sub-user nothing, so a read-only user never sees a button flash in.
 */
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { adminFetch, currentSession } from './session.js';

export interface Whoami {
  id: string;
  accountUin: string;
  appId: string;
  isRoot: boolean;
  temporary: boolean;
  service: { ListBuckets: boolean; CreateBucket: boolean };
  /** Per bucket, operation → allowed; null for a bucket that does not exist. */
  buckets: Record<string, Record<string, boolean> | null>;
}

const ROOT_DELAY_MS = 800;

/** The server answers about at most this many buckets per request. */
const MAX_BUCKETS = 100;

export async function fetchWhoami(buckets: string[], prefix = ''): Promise<Whoami> {
  const ask = (names: string[]) =>
    adminFetch<Whoami>('GET', '/-/whoami', {
      query: { ...(names.length > 0 ? { bucket: names.join(',') } : {}), ...(prefix ? { prefix } : {}) },
    });
  if (buckets.length <= MAX_BUCKETS) return ask(buckets);
  const chunks: string[][] = [];
  for (let i = 0; i < buckets.length; i += MAX_BUCKETS) chunks.push(buckets.slice(i, i + MAX_BUCKETS));
  const answers = await Promise.all(chunks.map(ask));
  return { ...answers[0]!, buckets: Object.assign({}, ...answers.map((a) => a.buckets)) };
}

/** `can(op)` for one bucket (or the service when `bucket` is undefined). */
export type Can = (operation: string) => boolean;

function fallback(): boolean {
  return currentSession()?.isRoot ?? false;
}

/** The caller's permissions on several buckets at once (the Bucket List). */
export function useWhoami(buckets: string[] | undefined) {
  const names = buckets ?? [];
  return useQuery({
    queryKey: ['whoami', names.join(',')],
    queryFn: () => fetchWhoami(names),
    enabled: buckets !== undefined,
    staleTime: 60_000,
  });
}

/** What the caller may do on `bucket` (object operations decided under `prefix`). */
export function useCan(bucket: string, prefix = ''): { can: Can; known: boolean; who: Whoami | undefined } {
  // The root is offered everything until the answer comes: its question waits until the page has drawn its
  // first rows (ROOT_DELAY_MS), so it never competes with the listing a person is waiting for.
  const isRoot = currentSession()?.isRoot ?? false;
  const [ready, setReady] = useState(!isRoot);
  useEffect(() => {
    if (ready) return;
    const timer = setTimeout(() => setReady(true), ROOT_DELAY_MS);
    return () => clearTimeout(timer);
  }, [ready]);
  const answer = useQuery({
    queryKey: ['whoami', bucket, prefix],
    queryFn: () => fetchWhoami([bucket], prefix),
    staleTime: 60_000,
    enabled: ready,
  });
  const ops = answer.data?.buckets[bucket];
  return {
    can: (operation) => (answer.data ? ops?.[operation] === true : fallback()),
    known: answer.isSuccess,
    who: answer.data,
  };
}

/** `can` over a whoami answer for a bucket of the Bucket List. */
export function canOn(answer: Whoami | undefined, bucket: string | undefined): Can {
  return (operation) => {
    if (!answer) return fallback();
    if (bucket === undefined) return (answer.service as unknown as Record<string, boolean>)[operation] === true;
    return answer.buckets[bucket]?.[operation] === true;
  };
}
