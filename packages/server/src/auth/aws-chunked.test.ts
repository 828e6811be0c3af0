import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';
import { isS3Error, signV4Headers, sigV4ChunkSignature, sigV4TrailerSignature } from '@coffer/protocol';
import { describe, expect, it } from 'vitest';
import { type AwsChunkedPayload, createAwsChunkedDecoder } from './aws-chunked.js';
import { nodeCrypto } from './node-crypto.js';

/** The AWS sigv4-streaming example: credentials, time, and the published seed and chunk signatures. */
const AWS_EXAMPLE = {
  credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
  nowMs: Date.UTC(2013, 4, 24),
  seed: '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9',
  chunkSignatures: [
    'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648',
    '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497',
    'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9',
  ],
  contentLength: 66824,
  decodedLength: 66560,
};

function exampleSeed() {
  const s = signV4Headers(
    {
      method: 'PUT',
      path: '/examplebucket/chunkObject.txt',
      headers: {
        Host: 's3.amazonaws.com',
        'x-amz-storage-class': 'REDUCED_REDUNDANCY',
        'Content-Encoding': 'aws-chunked',
        'Content-Length': AWS_EXAMPLE.contentLength,
        'x-amz-decoded-content-length': AWS_EXAMPLE.decodedLength,
      },
      payloadHash: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
    },
    { credentials: AWS_EXAMPLE.credentials, region: 'us-east-1', nowMs: AWS_EXAMPLE.nowMs },
    nodeCrypto,
  );
  return {
    signature: s.signature,
    signingKey: Buffer.from(s.chunkContext.signingKey),
    datetime: s.chunkContext.datetime,
    scope: s.chunkContext.scope,
  };
}

function examplePayload(overrides: Partial<AwsChunkedPayload> = {}): AwsChunkedPayload {
  return {
    kind: 'aws-chunked',
    signed: true,
    trailer: false,
    decodedLength: AWS_EXAMPLE.decodedLength,
    trailerNames: [],
    seed: exampleSeed(),
    ...overrides,
  };
}

function exampleBody(): Buffer {
  const [s1, s2, s3] = AWS_EXAMPLE.chunkSignatures;
  return Buffer.concat([
    Buffer.from(`10000;chunk-signature=${s1}\r\n`),
    Buffer.alloc(65536, 'a'),
    Buffer.from(`\r\n400;chunk-signature=${s2}\r\n`),
    Buffer.alloc(1024, 'a'),
    Buffer.from(`\r\n0;chunk-signature=${s3}\r\n\r\n`),
  ]);
}

/** Frames `data` as aws-chunked with our own signer: signed or not, with trailers (signed in signed mode). */
function frame(
  payload: AwsChunkedPayload,
  chunks: Buffer[],
  trailers: Array<[string, string]> = [],
  opts: { finalCrlf?: boolean } = {},
): Buffer {
  const parts: Buffer[] = [];
  let prev = payload.seed?.signature ?? '';
  const ctx = payload.seed;
  for (const chunk of [...chunks, Buffer.alloc(0)]) {
    let line = chunk.length.toString(16);
    if (payload.signed && ctx) {
      prev = sigV4ChunkSignature(nodeCrypto, ctx, prev, chunk);
      line += `;chunk-signature=${prev}`;
    }
    parts.push(Buffer.from(line + '\r\n'), chunk);
    if (chunk.length > 0) parts.push(Buffer.from('\r\n'));
  }
  for (const [n, v] of trailers) parts.push(Buffer.from(`${n}:${v}\r\n`));
  if (payload.signed && payload.trailer && ctx) {
    parts.push(Buffer.from(`x-amz-trailer-signature:${sigV4TrailerSignature(nodeCrypto, ctx, prev, trailers)}\r\n`));
  }
  if (opts.finalCrlf !== false) parts.push(Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

/** Splits into pieces of `size` bytes, or random sizes (1..4096) from a seeded PRNG. */
function split(body: Buffer, size: number | 'random', seed = 1): Buffer[] {
  const out: Buffer[] = [];
  let s = seed;
  for (let i = 0; i < body.length; ) {
    let n: number;
    if (size === 'random') {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      n = 1 + (s % 4096);
    } else {
      n = size;
    }
    out.push(body.subarray(i, i + n));
    i += n;
  }
  return out;
}

async function decode(payload: AwsChunkedPayload, pieces: Buffer[]) {
  const decoder = createAwsChunkedDecoder(payload);
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(pieces),
    decoder,
    new Writable({
      write(chunk: Buffer, _e, cb) {
        out.push(chunk);
        cb();
      },
    }),
  );
  return { data: Buffer.concat(out), trailers: decoder.trailers() };
}

async function decodeError(payload: AwsChunkedPayload, pieces: Buffer[]): Promise<string> {
  try {
    await decode(payload, pieces);
  } catch (err) {
    if (isS3Error(err)) return err.code;
    throw err;
  }
  throw new Error('expected the decoder to fail');
}

const SPLITS: Array<[string, (b: Buffer) => Buffer[]]> = [
  ['whole', (b) => [b]],
  ['1-byte', (b) => split(b, 1)],
  ['7-byte', (b) => split(b, 7)],
  ['random A', (b) => split(b, 'random', 42)],
  ['random B', (b) => split(b, 'random', 4242)],
];

describe('aws-chunked decoder: the AWS 64 KiB streaming example', () => {
  it('the published body has the published Content-Length and seed', () => {
    expect(exampleBody().length).toBe(AWS_EXAMPLE.contentLength);
    expect(exampleSeed().signature).toBe(AWS_EXAMPLE.seed);
  });

  for (const [name, splitter] of SPLITS) {
    it(`decodes and verifies it fed ${name}`, async () => {
      const { data, trailers } = await decode(examplePayload(), splitter(exampleBody()));
      expect(data.equals(Buffer.alloc(AWS_EXAMPLE.decodedLength, 'a'))).toBe(true);
      expect(trailers).toEqual({});
    });
  }

  it('rejects a wrong chunk signature or altered chunk data with SignatureDoesNotMatch', async () => {
    const badSig = exampleBody().toString('latin1').replace(AWS_EXAMPLE.chunkSignatures[1]!, '0'.repeat(64));
    expect(await decodeError(examplePayload(), [Buffer.from(badSig, 'latin1')])).toBe('SignatureDoesNotMatch');
    for (const offset of [1_000, 65_800]) {
      const badData = exampleBody();
      expect(badData[offset]).toBe('a'.charCodeAt(0));
      badData[offset] = 'b'.charCodeAt(0);
      expect(await decodeError(examplePayload(), split(badData, 7)), `byte ${offset}`).toBe('SignatureDoesNotMatch');
    }
    const badFinal = exampleBody().toString('latin1').replace(AWS_EXAMPLE.chunkSignatures[2]!, 'f'.repeat(64));
    expect(await decodeError(examplePayload(), [Buffer.from(badFinal, 'latin1')])).toBe('SignatureDoesNotMatch');
  });

  it('rejects a truncated body with IncompleteBody, wherever it is cut', async () => {
    const body = exampleBody();
    for (const cut of [10, 100, 65_600, body.length - 90, body.length - 3]) {
      expect(await decodeError(examplePayload(), split(body.subarray(0, cut), 'random', cut)), `cut at ${cut}`).toBe(
        'IncompleteBody',
      );
    }
  });

  it('rejects a decoded length that differs from x-amz-decoded-content-length with IncompleteBody', async () => {
    expect(await decodeError(examplePayload({ decodedLength: AWS_EXAMPLE.decodedLength + 1 }), [exampleBody()])).toBe(
      'IncompleteBody',
    );
    expect(await decodeError(examplePayload({ decodedLength: AWS_EXAMPLE.decodedLength - 1 }), [exampleBody()])).toBe(
      'IncompleteBody',
    );
  });

  it('streams: decoded bytes come out before the body has ended', async () => {
    const decoder = createAwsChunkedDecoder(examplePayload());
    const out: Buffer[] = [];
    decoder.on('data', (b: Buffer) => out.push(b));
    decoder.write(exampleBody().subarray(0, 30_000));
    await new Promise((r) => setImmediate(r));
    const sizeLine = `10000;chunk-signature=${AWS_EXAMPLE.chunkSignatures[0]}\r\n`;
    expect(Buffer.concat(out).length).toBe(30_000 - sizeLine.length);
    decoder.destroy();
  });
});

describe('aws-chunked decoder: trailers', () => {
  const DATA = Buffer.from('x'.repeat(5000) + '腾讯云' + 'y'.repeat(70_000));
  const CHUNKS = [DATA.subarray(0, 8192), DATA.subarray(8192, 8193), DATA.subarray(8193)];
  const crcBytes = Buffer.alloc(4);
  crcBytes.writeUInt32BE(crc32(DATA));
  const CRC = crcBytes.toString('base64');

  const signedTrailer = (): AwsChunkedPayload =>
    examplePayload({ trailer: true, decodedLength: DATA.length, trailerNames: ['x-amz-checksum-crc32'] });
  const unsignedTrailer: AwsChunkedPayload = {
    kind: 'aws-chunked',
    signed: false,
    trailer: true,
    decodedLength: DATA.length,
    trailerNames: ['x-amz-checksum-crc32'],
  };

  for (const [name, splitter] of SPLITS) {
    it(`signed trailer (STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER) fed ${name}`, async () => {
      const body = frame(signedTrailer(), CHUNKS, [['x-amz-checksum-crc32', CRC]]);
      const { data, trailers } = await decode(signedTrailer(), splitter(body));
      expect(data.equals(DATA)).toBe(true);
      expect(trailers).toEqual({ 'x-amz-checksum-crc32': CRC });
    });

    it(`unsigned trailer (STREAMING-UNSIGNED-PAYLOAD-TRAILER, @aws-sdk's framing) fed ${name}`, async () => {
      const body = frame(unsignedTrailer, CHUNKS, [['x-amz-checksum-crc32', CRC]]);
      const { data, trailers } = await decode(unsignedTrailer, splitter(body));
      expect(data.equals(DATA)).toBe(true);
      expect(trailers['x-amz-checksum-crc32']).toBe(CRC);
    });
  }

  it('a body ending at `0\\r\\n` (no trailer, no final CRLF) is complete when no trailer was announced', async () => {
    const payload: AwsChunkedPayload = { ...unsignedTrailer, trailerNames: [] };
    const { data } = await decode(payload, split(frame(payload, CHUNKS, [], { finalCrlf: false }), 7));
    expect(data.equals(DATA)).toBe(true);
  });

  it('rejects a bad trailer signature or an altered trailer value with SignatureDoesNotMatch', async () => {
    const body = frame(signedTrailer(), CHUNKS, [['x-amz-checksum-crc32', CRC]]).toString('latin1');
    const sig = /x-amz-trailer-signature:([0-9a-f]{64})/.exec(body)![1]!;
    const badSig = Buffer.from(
      body.replace(
        sig,
        sig.replace(/^./, (c) => (c === '0' ? '1' : '0')),
      ),
      'latin1',
    );
    expect(await decodeError(signedTrailer(), [badSig])).toBe('SignatureDoesNotMatch');
    const badValue = Buffer.from(body.replace(`crc32:${CRC}`, 'crc32:AAAAAA=='), 'latin1');
    expect(await decodeError(signedTrailer(), [badValue])).toBe('SignatureDoesNotMatch');
  });

  it('rejects a signed-trailer body without its trailer signature, and an announced trailer that never came', async () => {
    const noSig = Buffer.from(
      frame(signedTrailer(), CHUNKS, [['x-amz-checksum-crc32', CRC]])
        .toString('latin1')
        .replace(/x-amz-trailer-signature:[0-9a-f]{64}\r\n/, ''),
      'latin1',
    );
    expect(await decodeError(signedTrailer(), [noSig])).toBe('InvalidRequest');
    expect(await decodeError(unsignedTrailer, [frame(unsignedTrailer, CHUNKS, [])])).toBe('InvalidRequest');
  });
});

describe('aws-chunked decoder: malformed framing is InvalidRequest', () => {
  const unsigned: AwsChunkedPayload = { kind: 'aws-chunked', signed: false, trailer: true, trailerNames: [] };
  const cases: Array<[string, AwsChunkedPayload, string]> = [
    ['a non-hex size', unsigned, 'zz\r\nabc\r\n0\r\n\r\n'],
    ['data not followed by CRLF', unsigned, '3\r\nabcX\r\n0\r\n\r\n'],
    ['a size line ending in a bare LF', unsigned, '3\nabc\r\n0\r\n\r\n'],
    ['bytes after the end', unsigned, '3\r\nabc\r\n0\r\n\r\nextra'],
    ['an over-long line', unsigned, '3' + ';x'.repeat(3000) + '\r\nabc\r\n0\r\n\r\n'],
    [
      'a chunk without chunk-signature in signed mode',
      examplePayload({ decodedLength: undefined }),
      '3\r\nabc\r\n0\r\n\r\n',
    ],
    ['a trailer in a body that announced none', examplePayload({ decodedLength: 0 }), ''],
  ];
  for (const [what, payload, body] of cases) {
    it(what, async () => {
      let wire = Buffer.from(body, 'latin1');
      if (body === '') {
        // a signed, non-trailer body whose final chunk is followed by a trailer line
        wire = Buffer.from(
          frame(payload, []).toString('latin1').replace(/\r\n$/, 'x-amz-checksum-crc32:AAAAAA==\r\n\r\n'),
        );
      }
      expect(await decodeError(payload, split(wire, 1))).toBe('InvalidRequest');
    });
  }
});
