import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

const BARE_400 = 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';

/** Sockets whose in-flight answer already closes the connection (the parser reports each later chunk again). */
const closingAfterAnswer = new WeakSet<Duplex>();

/**
 * Node's HTTP parser failed on a connection ('clientError'). When a request on it is still being
 * answered, the bytes that failed are what followed that request: typically the body of a PUT sent
 * without Content-Length (HTTP/1.1 frames it as no body, so the body is parsed as the next request).
 * That request gets its own answer (411 MissingContentLength, as S3 answers), then the connection
 * closes; writing a bare 400 first would put it ahead of the answer the client waits for. With no
 * request in flight the bytes are garbage and get a bare 400, as Node would answer.
 */
export function answerClientError(socket: Duplex, err?: NodeJS.ErrnoException): void {
  const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
  // Only a parse error (HPE_*) is bytes that followed the request in flight. The connection ending
  // mid-body (HPE_INVALID_EOF_STATE) or reset is the client gone: the socket ends, so the request in
  // flight sees it go (499) instead of waiting for the body idle timeout.
  const code = err?.code;
  const parseError = code === undefined || (code.startsWith('HPE_') && code !== 'HPE_INVALID_EOF_STATE');
  if (inFlight && !inFlight.writableEnded && parseError) {
    if (closingAfterAnswer.has(socket)) return;
    closingAfterAnswer.add(socket);
    if (!inFlight.headersSent) inFlight.setHeader('connection', 'close');
    else inFlight.once('finish', () => socket.end());
    return;
  }
  if (socket.writable) socket.end(BARE_400);
}
