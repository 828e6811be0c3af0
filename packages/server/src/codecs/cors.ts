import { S3Error, type XmlNode, type XmlObject, xmlChildren, xmlText, xmlTextOf } from '@coffer/protocol';
import { CORS_METHODS, type CorsConfiguration, type CorsRule, MAX_CORS_RULES } from '../engine/cors.js';

/** The CORSConfiguration XML of PUT and GET Bucket cors, as the typed configuration engine/cors.ts matches requests against. */
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
