import type { IncomingMessage } from 'node:http';
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
