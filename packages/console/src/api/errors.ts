/** What every error in the console shows: the server's Code, Message and RequestId (or the SDK's). */
export interface ApiError {
  code: string;
  message: string;
  requestId?: string;
  status?: number;
}

/** Normalises an SDK S3ServiceError, an admin API JSON error or anything thrown into an ApiError. */
export function toApiError(err: unknown): ApiError {
  if (err && typeof err === 'object') {
    const e = err as Record<string, unknown>;
    const inner = (e.error && typeof e.error === 'object' ? e.error : {}) as Record<string, unknown>;
    const code = String(e.code ?? inner.Code ?? e.name ?? 'Error');
    const message = String(e.message || inner.Message || 'Something went wrong');
    const requestId = (e.requestId ?? e.RequestId ?? inner.RequestId) as string | undefined;
    const status =
      typeof e.statusCode === 'number' ? e.statusCode : typeof e.status === 'number' ? e.status : undefined;
    return { code, message, ...(requestId ? { requestId } : {}), ...(status ? { status } : {}) };
  }
  return { code: 'Error', message: String(err) };
}

/** An admin API (/-/…) failure, shaped like the SDK's errors so toApiError reads both alike. */
export class AdminError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly requestId: string | undefined,
    readonly statusCode: number,
  ) {
    super(message);
  }
}
