import { S3Error, type XmlNode, type XmlObject, xmlChildren, xmlText, xmlTextOf } from '@coffer/protocol';

/**
 * A bucket's CORS configuration and how a request is matched against it.
 * S3: https://docs.aws.amazon.com/AmazonS3/latest/API/API_CORSRule.html ;
 * COS: https://www.tencentcloud.com/document/product/436/8279 (PUT Bucket cors).
 */
export interface CorsRule {
  id?: string;
  allowedOrigins: string[];
  /** Upper-case: GET, PUT, HEAD, POST, DELETE. */
  allowedMethods: string[];
  allowedHeaders: string[];
  exposeHeaders: string[];
  maxAgeSeconds?: number;
}

export interface CorsConfiguration {
  rules: CorsRule[];
  /** COS's ResponseVary, kept so GET returns what was put. Coffer always sends Vary: Origin. */
  responseVary?: string;
}

export const CORS_METHODS = ['GET', 'PUT', 'HEAD', 'POST', 'DELETE'] as const;
/** S3 allows 100 rules per bucket. */
export const MAX_CORS_RULES = 100;

function texts(node: XmlNode, name: string): string[] {
  return xmlChildren(node, name).map((child) => xmlTextOf(child).trim());
}

function oneWildcard(values: string[], what: string): void {
  for (const value of values) {
    if (value.split('*').length > 2) {
      throw new S3Error('InvalidArgument', `${what} "${value}" can not have more than one wildcard.`, {
        details: { ArgumentName: what, ArgumentValue: value },
      });
    }
  }
}

/** Parses and validates a CORSConfiguration document (PUT ?cors). */
export function parseCors(doc: { [name: string]: XmlNode | XmlNode[] }): CorsConfiguration {
  const nodes = xmlChildren(doc, 'CORSRule');
  if (nodes.length === 0) throw new S3Error('MalformedXML', 'A CORS configuration needs at least one CORSRule.');
  if (nodes.length > MAX_CORS_RULES) {
    throw new S3Error('MalformedXML', `A CORS configuration has at most ${MAX_CORS_RULES} rules.`);
  }
  const rules = nodes.map((node): CorsRule => {
    const id = xmlText(node, 'ID')?.trim();
    if (id !== undefined && id.length > 255)
      throw new S3Error('InvalidArgument', 'A CORSRule ID is at most 255 characters.');
    const allowedOrigins = texts(node, 'AllowedOrigin').filter((o) => o !== '');
    const allowedMethods = texts(node, 'AllowedMethod').filter((m) => m !== '');
    if (allowedOrigins.length === 0 || allowedMethods.length === 0) {
      throw new S3Error('MalformedXML', 'Each CORSRule needs at least one AllowedOrigin and one AllowedMethod.');
    }
    for (const method of allowedMethods) {
      if (!(CORS_METHODS as readonly string[]).includes(method.toUpperCase())) {
        throw new S3Error(
          'InvalidArgument',
          `Found unsupported HTTP method in CORS config. Unsupported method is ${method}`,
          {
            details: { ArgumentName: 'AllowedMethod', ArgumentValue: method },
          },
        );
      }
    }
    const allowedHeaders = texts(node, 'AllowedHeader').filter((h) => h !== '');
    oneWildcard(allowedOrigins, 'AllowedOrigin');
    oneWildcard(allowedHeaders, 'AllowedHeader');
    const maxAge = xmlText(node, 'MaxAgeSeconds')?.trim();
    if (maxAge !== undefined && !/^\d{1,9}$/.test(maxAge)) {
      throw new S3Error('MalformedXML', `MaxAgeSeconds must be a non-negative integer, not "${maxAge}".`);
    }
    return {
      ...(id ? { id } : {}),
      allowedOrigins,
      allowedMethods: [...new Set(allowedMethods.map((m) => m.toUpperCase()))],
      allowedHeaders,
      exposeHeaders: texts(node, 'ExposeHeader').filter((h) => h !== ''),
      ...(maxAge !== undefined ? { maxAgeSeconds: Number(maxAge) } : {}),
    };
  });
  const responseVary = xmlText(doc, 'ResponseVary')?.trim();
  return { rules, ...(responseVary ? { responseVary } : {}) };
}

/** The CORSConfiguration body GET ?cors returns. */
export function renderCors(config: CorsConfiguration): XmlObject {
  return {
    CORSRule: config.rules.map((rule) => ({
      ID: rule.id,
      AllowedHeader: rule.allowedHeaders,
      AllowedMethod: rule.allowedMethods,
      AllowedOrigin: rule.allowedOrigins,
      ExposeHeader: rule.exposeHeaders,
      MaxAgeSeconds: rule.maxAgeSeconds,
    })),
    ResponseVary: config.responseVary,
  };
}

/** Case-insensitive match of a value against a pattern in which `*` stands for any run of characters. */
export function wildcardMatch(pattern: string, value: string): boolean {
  const p = pattern.toLowerCase();
  const v = value.toLowerCase();
  const pieces = p.split('*');
  if (pieces.length === 1) return p === v;
  const first = pieces[0]!;
  const last = pieces[pieces.length - 1]!;
  if (v.length < first.length + last.length || !v.startsWith(first) || !v.endsWith(last)) return false;
  let at = first.length;
  const end = v.length - last.length;
  for (const middle of pieces.slice(1, -1)) {
    const found = v.indexOf(middle, at);
    if (found < 0 || found + middle.length > end) return false;
    at = found + middle.length;
  }
  return true;
}

export interface CorsRequest {
  origin: string;
  /** The actual request's method, or a preflight's Access-Control-Request-Method. */
  method: string;
  /** A preflight's Access-Control-Request-Headers, lower-cased; each must be allowed. */
  headers?: string[];
}

/**
 * The first rule that allows the request (S3 and COS use the first match), with the AllowedOrigin
 * that matched it; undefined when none does.
 */
export function findCorsRule(
  config: CorsConfiguration,
  request: CorsRequest,
): { rule: CorsRule; origin: string } | undefined {
  const method = request.method.toUpperCase();
  for (const rule of config.rules) {
    if (!rule.allowedMethods.includes(method)) continue;
    const origin = rule.allowedOrigins.find((pattern) => wildcardMatch(pattern, request.origin));
    if (origin === undefined) continue;
    const headers = request.headers ?? [];
    if (!headers.every((h) => rule.allowedHeaders.some((pattern) => wildcardMatch(pattern, h)))) continue;
    return { rule, origin };
  }
  return undefined;
}
