import { BlockList, isIP } from 'node:net';
import { S3Error } from '@coffer/protocol';

/**
 * Access policies in both languages Coffer speaks: COS/CAM (`"version": "2.0"`, principal
 * `{"qcs": [...]}`, actions `name/cos:GetObject`, resources `qcs::cos:<region>:uid/<appid>:<bucket>/<key>`)
 * and S3 (`"Version": "2012-10-17"`, `Principal`, `s3:GetObject`, `arn:aws:s3:::bucket/key`). Keys are
 * read case-insensitively. https://www.tencentcloud.com/document/product/436/18023 ;
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-policy-language-overview.html
 */

/** What a request looks like to a policy condition, keys normalised (see CONDITION_KEYS). */
export type ConditionContext = Record<string, string | undefined>;

interface Condition {
  operator: string;
  ifExists: boolean;
  /** ForAnyValue (default) or ForAllValues, for multi-valued keys. */
  key: string;
  values: string[];
}

export interface Statement {
  effect: 'allow' | 'deny';
  /** Principal patterns in Coffer's id form (`qcs::cam::uin/A:uin/B`, `*` = anyone); undefined = no Principal (user policies). */
  principals?: string[];
  notPrincipals?: string[];
  /** Action patterns, lower-cased, namespaced `cos:` or `s3:` (or `*`). */
  actions?: string[];
  notActions?: string[];
  /** Resource patterns as `bucket/key` globs (`*` = everything); `cos` marks COS-form patterns. */
  resources?: { pattern: string; cos: boolean }[];
  notResources?: { pattern: string; cos: boolean }[];
  conditions: Condition[];
}

export interface Policy {
  statements: Statement[];
}

/** A request as policy evaluation sees it. */
export interface PolicyRequest {
  /** Caller id (`qcs::cam::uin/A:uin/B`), undefined for anonymous. */
  principalId?: string;
  action: { cos: string; s3: string };
  /** `bucket` for bucket-level requests, `bucket/key` for objects, '' for the service. */
  resource: string;
  bucketLevel: boolean;
  context: ConditionContext;
}

const OPERATORS: Record<string, string> = {
  stringequals: 'eq',
  string_equal: 'eq',
  stringnotequals: 'ne',
  string_not_equal: 'ne',
  stringequalsignorecase: 'eqi',
  string_equal_ignore_case: 'eqi',
  stringnotequalsignorecase: 'nei',
  string_not_equal_ignore_case: 'nei',
  stringlike: 'like',
  string_like: 'like',
  stringnotlike: 'notlike',
  string_not_like: 'notlike',
  ipaddress: 'ip',
  ip_equal: 'ip',
  notipaddress: 'notip',
  ip_not_equal: 'notip',
  datelessthan: 'dlt',
  date_less_than: 'dlt',
  datelessthanequals: 'dle',
  date_less_than_equal: 'dle',
  dategreaterthan: 'dgt',
  date_greater_than: 'dgt',
  dategreaterthanequals: 'dge',
  date_greater_than_equal: 'dge',
  dateequals: 'deq',
  date_equal: 'deq',
  datenotequals: 'dne',
  date_not_equal: 'dne',
  numericequals: 'neq',
  numeric_equal: 'neq',
  numericnotequals: 'nne',
  numeric_not_equal: 'nne',
  numericlessthan: 'nlt',
  numeric_less_than: 'nlt',
  numericlessthanequals: 'nle',
  numeric_less_than_equal: 'nle',
  numericgreaterthan: 'ngt',
  numeric_greater_than: 'ngt',
  numericgreaterthanequals: 'nge',
  numeric_greater_than_equal: 'nge',
  bool: 'bool',
  bool_equal: 'bool',
  null: 'null',
  null_equal: 'null',
};

/** Condition keys by their normalised name; both families' spellings map here. */
const CONDITION_KEYS: Record<string, string> = {
  'aws:sourceip': 'ip',
  'qcs:ip': 'ip',
  'aws:securetransport': 'secure',
  'cos:secure-transport': 'secure',
  'qcs:secure_transport': 'secure',
  'aws:currenttime': 'time',
  'qcs:current_time': 'time',
  'aws:epochtime': 'epoch',
  'aws:referer': 'referer',
  'qcs:referer': 'referer',
  'cos:referer': 'referer',
  'aws:useragent': 'user-agent',
  'cos:user-agent': 'user-agent',
  's3:prefix': 'prefix',
  'cos:prefix': 'prefix',
  's3:delimiter': 'delimiter',
  'cos:delimiter': 'delimiter',
  's3:max-keys': 'max-keys',
  's3:x-amz-acl': 'acl',
  'cos:x-cos-acl': 'acl',
  's3:x-amz-storage-class': 'storage-class',
  'cos:x-cos-storage-class': 'storage-class',
  's3:versionid': 'versionid',
  'cos:versionid': 'versionid',
  'cos:content-type': 'content-type',
  'cos:content-length': 'content-length',
  's3:x-amz-content-sha256': 'content-sha256',
  's3:x-amz-server-side-encryption': 'sse',
  'cos:x-cos-server-side-encryption': 'sse',
  'cos:response-content-type': 'response-content-type',
  'qcs:host': 'host',
};

/** A condition key's normalised name; other `cos:x-cos-…`/`s3:x-amz-…` keys read the request header. */
export function normalizeConditionKey(key: string): string {
  // Tag keys are case-sensitive: only the prefix is normalised.
  const tag = /^(?:s3|cos):(existingobjecttag|requestobjecttag)\/(.+)$/i.exec(key);
  if (tag) return `${tag[1]!.toLowerCase()}/${tag[2]}`;
  const lower = key.toLowerCase();
  const known = CONDITION_KEYS[lower];
  if (known) return known;
  const header = /^(?:cos|s3):(x-(?:cos|amz)-.+)$/.exec(lower);
  if (header) return `header:${header[1]}`;
  return lower;
}

function malformed(message: string): S3Error {
  return new S3Error('MalformedPolicy', message);
}

/** Reads a member of a JSON object by name, case-insensitively. */
function member(obj: Record<string, unknown>, name: string): unknown {
  const key = Object.keys(obj).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : obj[key];
}

function stringList(value: unknown, what: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || !list.every((v) => typeof v === 'string' && v !== '')) {
    throw malformed(`${what} must be a string or a list of strings.`);
  }
  return list as string[];
}

/** Principal patterns in Coffer's id form. */
function parsePrincipals(value: unknown): string[] {
  if (value === '*') return ['*'];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw malformed('Principal must be "*" or an object such as {"qcs": [...]} or {"AWS": [...]}.');
  }
  const out: string[] = [];
  for (const [family, ids] of Object.entries(value)) {
    const kind = family.toLowerCase();
    if (kind !== 'qcs' && kind !== 'aws' && kind !== 'canonicaluser')
      throw malformed(`Unknown principal type "${family}".`);
    for (const id of stringList(ids, `Principal ${family}`)) out.push(principalPattern(kind, id));
  }
  return out;
}

function principalPattern(kind: string, id: string): string {
  if (id === '*' || id === 'qcs::cam::anyone:anyone') return '*';
  if (kind === 'qcs') {
    if (!/^qcs::cam::uin\/[\d*]+:uin\/[\d*]+$/.test(id))
      throw malformed(`Invalid principal "${id}": use qcs::cam::uin/<owner uin>:uin/<uin>.`);
    return id;
  }
  if (kind === 'canonicaluser') return id;
  const account = /^(?:arn:aws:iam::)?(\d+)(?::root)?$/.exec(id);
  if (account) return `qcs::cam::uin/${account[1]}:uin/${account[1]}`;
  const user = /^arn:aws:iam::(\d+):user\/(\d+)$/.exec(id);
  if (user) return `qcs::cam::uin/${user[1]}:uin/${user[2]}`;
  if (id.startsWith('qcs::cam::')) return principalPattern('qcs', id);
  throw malformed(
    `Invalid principal "${id}": use "*", an account id, arn:aws:iam::<account>:root or arn:aws:iam::<account>:user/<uin>.`,
  );
}

function parseActions(value: unknown): string[] {
  return stringList(value, 'Action').map((raw) => {
    const a = raw.toLowerCase();
    if (a === '*') return '*';
    const cos = /^(?:name\/)?cos:(.+)$/.exec(a);
    if (cos) return `cos:${cos[1]}`;
    if (/^s3:.+$/.test(a)) return a;
    throw malformed(`Invalid action "${raw}": use name/cos:<Action> or s3:<Action>.`);
  });
}

export interface ResourceScope {
  /** The bucket a bucket policy belongs to; its resources must stay inside it. */
  bucket?: string;
  /** The account's APPID, for COS resource names. */
  appId: string;
}

function parseResources(value: unknown, scope: ResourceScope): { pattern: string; cos: boolean }[] {
  return stringList(value, 'Resource').map((raw) => {
    let pattern: string;
    let cos = false;
    if (raw === '*') pattern = '*';
    else if (raw.startsWith('arn:aws:s3:::')) pattern = raw.slice('arn:aws:s3:::'.length);
    else {
      const m = /^qcs::cos:[^:]*:uid\/([^:]*):(.+)$/.exec(raw);
      if (!m)
        throw malformed(
          `Invalid resource "${raw}": use qcs::cos:<region>:uid/<appid>:<bucket>/<key> or arn:aws:s3:::<bucket>/<key>.`,
        );
      if (m[1] !== '*' && m[1] !== '' && m[1] !== scope.appId)
        throw malformed(`Resource "${raw}" names another account (uid/${m[1]}).`);
      pattern = m[2]!;
      cos = true;
    }
    if (scope.bucket !== undefined && pattern !== '*' && !globMatch(pattern.split('/')[0]!, scope.bucket)) {
      throw malformed(`Policy has invalid resource: "${raw}" is outside bucket ${scope.bucket}.`);
    }
    return { pattern, cos };
  });
}

function parseConditions(value: unknown): Condition[] {
  if (value === undefined) return [];
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw malformed('Condition must be an object.');
  const out: Condition[] = [];
  for (const [rawOperator, body] of Object.entries(value)) {
    let op = rawOperator.toLowerCase().replace(/^for_?any_?values?:|^for_?all_?values?:/, '');
    const ifExists = /ifexists$|_if_exist$/.test(op);
    op = op.replace(/ifexists$|_if_exist$/, '');
    const operator = OPERATORS[op];
    if (!operator) throw malformed(`Unknown condition operator "${rawOperator}".`);
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw malformed(`Condition ${rawOperator} must map keys to values.`);
    for (const [key, values] of Object.entries(body)) {
      // Values are strings, numbers or booleans; anything else (objects, nested lists, null) is malformed,
      // and is never walked: a deeply nested value must not overflow the stack.
      const list = (Array.isArray(values) ? values : [values]).map((v) => {
        if (typeof v === 'string') return v;
        if (typeof v === 'number' || typeof v === 'boolean') return String(v);
        throw malformed(`Condition ${rawOperator} ${key}: values must be strings, numbers or booleans.`);
      });
      if (list.length === 0) throw malformed(`Condition ${rawOperator} ${key} has no values.`);
      if (operator === 'ip' || operator === 'notip')
        for (const v of list) if (!parseCidr(v)) throw malformed(`Invalid IP range "${v}".`);
      out.push({ operator, ifExists, key: normalizeConditionKey(key), values: list });
    }
  }
  return out;
}

/**
 * Parses and validates a policy document. Bucket policies need a Principal in every statement and
 * resources inside their bucket; user and session policies have no Principal.
 */
export function parsePolicy(text: string, scope: ResourceScope, kind: 'bucket' | 'identity'): Policy {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw malformed('Policies must be valid JSON.');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw malformed('A policy must be a JSON object.');
  const version = member(doc as Record<string, unknown>, 'Version');
  if (version !== undefined && version !== '2.0' && version !== '2012-10-17' && version !== '2008-10-17') {
    throw malformed(`Unsupported policy version "${String(version)}": use "2.0" (COS) or "2012-10-17" (S3).`);
  }
  const raw = member(doc as Record<string, unknown>, 'Statement');
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  // CAM documents may name the principal once, beside the statements, for all of them.
  const sharedPrincipal = member(doc as Record<string, unknown>, 'Principal');
  if (list.length === 0) throw malformed('A policy needs at least one statement.');
  const statements = list.map((s, i): Statement => {
    if (typeof s !== 'object' || s === null || Array.isArray(s))
      throw malformed(`Statement ${i + 1} must be an object.`);
    const st = s as Record<string, unknown>;
    const rawEffect = member(st, 'Effect');
    const effect = typeof rawEffect === 'string' ? rawEffect.toLowerCase() : '';
    if (effect !== 'allow' && effect !== 'deny') throw malformed(`Statement ${i + 1}: Effect must be Allow or Deny.`);
    const notPrincipal = member(st, 'NotPrincipal');
    const principal = member(st, 'Principal') ?? (notPrincipal === undefined ? sharedPrincipal : undefined);
    if (kind === 'bucket' && principal === undefined && notPrincipal === undefined) {
      throw malformed(`Statement ${i + 1}: a bucket policy statement needs a Principal.`);
    }
    const action = member(st, 'Action');
    const notAction = member(st, 'NotAction');
    if ((action === undefined) === (notAction === undefined))
      throw malformed(`Statement ${i + 1}: give exactly one of Action or NotAction.`);
    const resource = member(st, 'Resource');
    const notResource = member(st, 'NotResource');
    if ((resource === undefined) === (notResource === undefined))
      throw malformed(`Statement ${i + 1}: give exactly one of Resource or NotResource.`);
    return {
      effect,
      ...(principal !== undefined ? { principals: parsePrincipals(principal) } : {}),
      ...(notPrincipal !== undefined ? { notPrincipals: parsePrincipals(notPrincipal) } : {}),
      ...(action !== undefined ? { actions: parseActions(action) } : {}),
      ...(notAction !== undefined ? { notActions: parseActions(notAction) } : {}),
      ...(resource !== undefined ? { resources: parseResources(resource, scope) } : {}),
      ...(notResource !== undefined ? { notResources: parseResources(notResource, scope) } : {}),
      conditions: parseConditions(member(st, 'Condition')),
    };
  });
  return { statements };
}

/** `*` any run of characters, `?` one; nothing else is special. */
export function globMatch(pattern: string, value: string): boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern === value;
  // Greedy matching that backtracks only to the last '*': O(pattern × value) at worst. A regular
  // expression built from the pattern backtracks exponentially on `*a*a*a…c` against a long key, and
  // policy patterns come from users (a session policy from any STS caller).
  let p = 0;
  let v = 0;
  let star = -1;
  let resume = 0;
  while (v < value.length) {
    const c = pattern[p];
    if (c === '*') {
      star = p++;
      resume = v;
    } else if (p < pattern.length && (c === '?' || c === value[v])) {
      p++;
      v++;
    } else if (star >= 0) {
      p = star + 1;
      v = ++resume;
    } else return false;
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

function principalMatches(patterns: string[], principalId: string | undefined): boolean {
  return patterns.some((p) => p === '*' || (principalId !== undefined && globMatch(p, principalId)));
}

function actionMatches(patterns: string[], action: PolicyRequest['action']): boolean {
  const cos = `cos:${action.cos.toLowerCase()}`;
  const s3 = `s3:${action.s3.toLowerCase()}`;
  return patterns.some((p) => p === '*' || globMatch(p, p.startsWith('cos:') ? cos : s3));
}

function resourceMatches(patterns: { pattern: string; cos: boolean }[], req: PolicyRequest): boolean {
  return patterns.some(({ pattern, cos }) => {
    if (pattern === '*') return true;
    if (globMatch(pattern, req.resource)) return true;
    // COS writes bucket-level resources as `<bucket>/*` (and sometimes `<bucket>/`).
    return cos && req.bucketLevel && (globMatch(pattern, `${req.resource}/`) || pattern === `${req.resource}/*`);
  });
}

function parseCidr(value: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const [address, bits] = value.trim().split('/');
  const version = isIP(address ?? '');
  if (!address || version === 0) return undefined;
  const max = version === 4 ? 32 : 128;
  const prefix = bits === undefined ? max : Number(bits);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return undefined;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

function ipInRanges(ip: string, ranges: string[]): boolean {
  const address = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  const family = isIP(address) === 4 ? 'ipv4' : isIP(address) === 6 ? 'ipv6' : undefined;
  if (!family) return false;
  const list = new BlockList();
  for (const range of ranges) {
    const cidr = parseCidr(range);
    if (cidr && cidr.family === family) list.addSubnet(cidr.address, cidr.prefix, cidr.family);
  }
  return list.check(address, family);
}

function conditionHolds(c: Condition, context: ConditionContext): boolean {
  const actual = context[c.key];
  if (c.operator === 'null') return c.values.some((v) => (v.toLowerCase() === 'true') === (actual === undefined));
  if (actual === undefined) return c.ifExists;
  const number = Number(actual);
  const date = Date.parse(actual);
  switch (c.operator) {
    case 'eq':
      return c.values.includes(actual);
    case 'ne':
      return !c.values.includes(actual);
    case 'eqi':
      return c.values.some((v) => v.toLowerCase() === actual.toLowerCase());
    case 'nei':
      return !c.values.some((v) => v.toLowerCase() === actual.toLowerCase());
    case 'like':
      return c.values.some((v) => globMatch(v, actual));
    case 'notlike':
      return !c.values.some((v) => globMatch(v, actual));
    case 'ip':
      return ipInRanges(actual, c.values);
    case 'notip':
      return !ipInRanges(actual, c.values);
    case 'bool':
      return c.values.some((v) => v.toLowerCase() === actual.toLowerCase());
    case 'dlt':
      return c.values.some((v) => date < Date.parse(v));
    case 'dle':
      return c.values.some((v) => date <= Date.parse(v));
    case 'dgt':
      return c.values.some((v) => date > Date.parse(v));
    case 'dge':
      return c.values.some((v) => date >= Date.parse(v));
    case 'deq':
      return c.values.some((v) => date === Date.parse(v));
    case 'dne':
      return !c.values.some((v) => date === Date.parse(v));
    case 'neq':
      return c.values.some((v) => number === Number(v));
    case 'nne':
      return !c.values.some((v) => number === Number(v));
    case 'nlt':
      return c.values.some((v) => number < Number(v));
    case 'nle':
      return c.values.some((v) => number <= Number(v));
    case 'ngt':
      return c.values.some((v) => number > Number(v));
    case 'nge':
      return c.values.some((v) => number >= Number(v));
    default:
      return false;
  }
}

/** Does a statement apply to this request (principal, action, resource and every condition)? */
export function statementApplies(s: Statement, req: PolicyRequest): boolean {
  if (s.principals && !principalMatches(s.principals, req.principalId)) return false;
  if (s.notPrincipals && principalMatches(s.notPrincipals, req.principalId)) return false;
  if (s.actions && !actionMatches(s.actions, req.action)) return false;
  if (s.notActions && actionMatches(s.notActions, req.action)) return false;
  if (s.resources && !resourceMatches(s.resources, req)) return false;
  if (s.notResources && resourceMatches(s.notResources, req)) return false;
  return s.conditions.every((c) => conditionHolds(c, req.context));
}

/** 'deny' if any applicable statement denies, else 'allow' if one allows, else 'none'. */
export function evaluatePolicy(policy: Policy, req: PolicyRequest): 'allow' | 'deny' | 'none' {
  let allowed = false;
  for (const s of policy.statements) {
    if (!statementApplies(s, req)) continue;
    if (s.effect === 'deny') return 'deny';
    allowed = true;
  }
  return allowed ? 'allow' : 'none';
}
