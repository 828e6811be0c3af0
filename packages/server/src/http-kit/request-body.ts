import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { PassThrough, pipeline, type Readable } from 'node:stream';
import { S3Error } from '@coffer/protocol';
import { createAwsChunkedDecoder, createSha256Verifier, nodeCrypto } from '../auth/index.js';
import type { PayloadVerification } from '../auth/types.js';

/**
 * Wraps the raw request in what its authentication demands: a SHA-256 check of a signed payload,
 * or aws-chunked de-framing with chunk signatures and trailers. Anything else passes untouched.
 */
export function openRequestBody(
  req: IncomingMessage,
  payload: PayloadVerification,
  idleTimeoutMs: number,
): { stream: Readable; trailers(): Record<string, string> } {
  const body = decodedBody(req, payload);
  return { stream: req.complete ? body.stream : guardIdle(req, body.stream, idleTimeoutMs), trailers: body.trailers };
}

function decodedBody(
  req: IncomingMessage,
  payload: PayloadVerification,
): { stream: Readable; trailers(): Record<string, string> } {
  if (payload.kind === 'sha256') {
    const verifier = createSha256Verifier(payload.expectedHex);
    return { stream: pipeline(req, verifier, () => {}), trailers: () => ({}) };
  }
  if (payload.kind === 'aws-chunked') {
    const decoder = createAwsChunkedDecoder(payload, nodeCrypto);
    return { stream: pipeline(req, decoder, () => {}), trailers: () => decoder.trailers() };
  }
  return { stream: req, trailers: () => ({}) };
}

/**
 * The body as the handler reads it, failing with 400 RequestTimeout when no byte arrives for
 * `idleTimeoutMs` (S3 answers a client that stops sending so) instead of holding the request open
 * for good. The handler reads a stream of its own: failing or abandoning it leaves the socket alive,
 * so the error can still be answered (the dispatcher then closes the connection, whose request body
 * was not read to its end). The timer is the socket's idle timer, disarmed once the body has ended.
 */
function guardIdle(req: IncomingMessage, source: Readable, idleTimeoutMs: number): Readable {
  const guarded = new PassThrough();
  // Errors reach whoever reads the body; one that comes after its reader has gone (a decoder's late
  // complaint) must not become an uncaught exception.
  guarded.on('error', () => {});
  source.on('error', (err) => guarded.destroy(err));
  source.pipe(guarded);
  guarded.once('close', () => {
    if (!source.readableEnded) {
      source.unpipe(guarded);
      source.pause();
    }
  });
  req.setTimeout(idleTimeoutMs, () => {
    guarded.destroy(
      new S3Error(
        'RequestTimeout',
        'Your socket connection to the server was not read from or written to within the timeout period.',
      ),
    );
  });
  req.once('end', () => req.setTimeout(0));
  return guarded;
}

/**
 * For a request answered (with Connection: close) before its body was read: instead of destroying the
 * socket once the answer is written, which resets a client still sending its body (it sees EPIPE or
 * ECONNRESET, never the answer), end our side (FIN after the answer) and keep reading and dropping
 * what the client sends until its body ends, `maxBytes` more arrive, or nothing arrives for `idleMs`,
 * then close. Nginx's lingering_close does the same. Hand-written because Node's server calls
 * `socket.destroySoon()` after a Connection: close response and offers no hook for this.
 */
export function lingerAfterAnswer(req: IncomingMessage, maxBytes: number, idleMs: number): void {
  const socket = req.socket as Socket & { destroySoon?: () => void };
  const original = socket.destroySoon;
  if (typeof original !== 'function') return;
  socket.destroySoon = () => {
    if (req.complete || req.destroyed) {
      original.call(socket);
      return;
    }
    socket.end();
    let seen = 0;
    const timer = setTimeout(() => close(), idleMs);
    const close = () => {
      clearTimeout(timer);
      socket.destroy();
    };
    req.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > maxBytes) close();
      else timer.refresh();
    });
    req.once('end', close);
    req.once('error', close);
    socket.once('close', () => clearTimeout(timer));
    req.resume();
  };
}
