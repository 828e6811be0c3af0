/** Exit codes and the one place an error is printed. */
import { S3ServiceError } from '@coffer/sdk';

/**
 * What the exit status says failed. Scripts branch on these; they never change meaning.
 * 0 is success.
 */
export const EXIT = {
  /** Any other failure: a 5xx, an unexpected answer, a local file error. */
  failure: 1,
  /** A bad command line, option, path or config. */
  usage: 2,
  /** The bucket, key, upload or version does not exist (404). */
  notFound: 3,
  /** Refused: bad keys, bad signature, no permission (401/403). */
  denied: 4,
  /** No answer: connection refused, DNS, timeout. */
  network: 5,
  /** The request conflicts with the state (409: bucket not empty, already exists). */
  conflict: 6,
  /** Some items of a many-item command failed, the others were done. */
  partial: 7,
} as const;

/** An error of the command line itself (bad arguments, missing config): exit 2 unless told. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
  ) {
    super(message);
  }
}

const STATUS_CODES: Record<string, string> = {
  '304': 'NotModified',
  '400': 'BadRequest',
  '403': 'Forbidden',
  '404': 'NotFound',
  '409': 'Conflict',
  '412': 'PreconditionFailed',
};

/** The stable shape `--json` prints for a failure. */
export interface ErrorJson {
  code: string;
  message: string;
  status?: number;
  requestId?: string;
  resource?: string;
}

export function describeError(err: unknown): ErrorJson {
  if (err instanceof S3ServiceError) {
    const requestId =
      err.requestId ||
      (err.error as { RequestId?: string } | undefined)?.RequestId ||
      err.headers?.['x-amz-request-id'];
    // A HEAD has no body, so the sdk's code is the bare status: name it.
    const bare = /^\d+$/.test(err.code);
    return {
      code: bare ? (STATUS_CODES[err.code] ?? `Http${err.code}`) : err.code,
      message: err.message,
      ...(err.statusCode !== undefined ? { status: err.statusCode } : {}),
      ...(requestId ? { requestId } : {}),
      ...((err.error as { Resource?: string } | undefined)?.Resource
        ? { resource: (err.error as { Resource: string }).Resource }
        : {}),
    };
  }
  if (err instanceof AdminError)
    return {
      code: err.code,
      message: err.message,
      status: err.status,
      ...(err.requestId ? { requestId: err.requestId } : {}),
    };
  if (err instanceof CliError) return { code: 'UsageError', message: err.message };
  const e = err as NodeJS.ErrnoException;
  return { code: e?.code ?? 'Error', message: e?.message ?? String(err) };
}

/** An error answer of the JSON admin API (docs/admin-api.md). */
export class AdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
  }
}

const NETWORK_CODES = new Set(['NetworkError', 'TimeoutError', 'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT']);

export function exitCodeOf(err: unknown): number {
  if (err instanceof CliError) return err.exitCode;
  const status = err instanceof S3ServiceError ? err.statusCode : err instanceof AdminError ? err.status : undefined;
  const code = (err as { code?: string })?.code ?? '';
  if (NETWORK_CODES.has(code)) return EXIT.network;
  if (code === 'InvalidParameter') return EXIT.usage;
  if (status === 404 || code === 'ENOENT' || /^NoSuch/.test(code)) return EXIT.notFound;
  if (status === 401 || status === 403 || code === 'EACCES') return EXIT.denied;
  if (status === 409) return EXIT.conflict;
  return EXIT.failure;
}

/** One line for people: `Code: Message (RequestId: …)`. */
export function formatError(err: unknown): string {
  if (err instanceof CliError) return err.message;
  const e = describeError(err);
  const status = e.status !== undefined ? ` [${e.status}]` : '';
  return `${e.code}${status}: ${e.message}${e.requestId ? ` (RequestId: ${e.requestId})` : ''}`;
}
