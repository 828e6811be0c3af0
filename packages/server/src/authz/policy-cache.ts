import { type Policy, parsePolicy } from './policy.js';

/** Parsed policies by document, so a bucket policy is parsed once, not per request. */
const parsedPolicies = new Map<string, Policy>();
const MAX_CACHED_POLICIES = 1000;

export function cachedPolicy(
  text: string,
  scope: { bucket?: string; appId: string },
  kind: 'bucket' | 'identity',
): Policy {
  const cacheKey = `${kind}\n${scope.bucket ?? ''}\n${scope.appId}\n${text}`;
  let policy = parsedPolicies.get(cacheKey);
  if (!policy) {
    policy = parsePolicy(text, scope, kind);
    if (parsedPolicies.size >= MAX_CACHED_POLICIES) parsedPolicies.delete(parsedPolicies.keys().next().value!);
    parsedPolicies.set(cacheKey, policy);
  }
  return policy;
}
