import { createHash, type Hash } from 'node:crypto';
import { Writable } from 'node:stream';
import { crc32, crc32c, crc64, crc64nvme } from '@coffer/native';
import { type ChecksumAlgorithm, checksumBase64, S3Error } from '@coffer/protocol';
import type { BlobWriter } from '../stores/types.js';

/** A running checksum over the bytes of one upload. */
interface RunningChecksum {
  update(chunk: Uint8Array): void;
  /** The value as S3 prints it in x-amz-checksum-* (base64 of the big-endian digest). */
  digest(): string;
}

function runningChecksum(algorithm: ChecksumAlgorithm): RunningChecksum {
  switch (algorithm) {
    case 'CRC32': {
      let value = 0;
      return { update: (c) => void (value = crc32(c, value)), digest: () => checksumBase64('CRC32', value) };
    }
    case 'CRC32C': {
      let value = 0;
      return { update: (c) => void (value = crc32c(c, value)), digest: () => checksumBase64('CRC32C', value) };
    }
    case 'CRC64NVME': {
      let value = 0n;
      return { update: (c) => void (value = crc64nvme(c, value)), digest: () => checksumBase64('CRC64NVME', value) };
    }
    case 'SHA1':
    case 'SHA256': {
      const hash: Hash = createHash(algorithm === 'SHA1' ? 'sha1' : 'sha256');
      return { update: (c) => void hash.update(c), digest: () => hash.digest('base64') };
    }
  }
}

/** The digests of an upload: MD5 (the ETag), CRC-64/XZ and any S3 checksums, over bytes fed in order. */
export class BodyHashes {
  readonly #md5 = createHash('md5');
  readonly #checksums: Map<ChecksumAlgorithm, RunningChecksum>;
  #crc64 = 0n;
  size = 0;

  constructor(checksums: ChecksumAlgorithm[]) {
    this.#checksums = new Map(checksums.map((a) => [a, runningChecksum(a)]));
  }

  update(buffer: Uint8Array): void {
    this.size += buffer.length;
    this.#md5.update(buffer);
    this.#crc64 = crc64(buffer, this.#crc64);
    for (const checksum of this.#checksums.values()) checksum.update(buffer);
  }

  /** Once, after the last byte. */
  result(): { size: number; md5: Buffer; crc64: bigint; checksums: Partial<Record<ChecksumAlgorithm, string>> } {
    const checksums: Partial<Record<ChecksumAlgorithm, string>> = {};
    for (const [algorithm, checksum] of this.#checksums) checksums[algorithm] = checksum.digest();
    return { size: this.size, md5: this.#md5.digest(), crc64: this.#crc64, checksums };
  }
}

export interface HashingSinkOptions {
  writer: BlobWriter;
  /** More bytes than this fail with EntityTooLarge (checked as they arrive, whatever Content-Length said). */
  maxBytes: number;
  /** Extra checksums to compute (x-amz-checksum-* / x-amz-sdk-checksum-algorithm / trailers). */
  checksums: ChecksumAlgorithm[];
}

/**
 * The end of the write pipeline: hashes every byte (MD5 for the ETag, CRC-64/XZ for
 * x-cos-hash-crc64ecma, plus any S3 checksums asked for) and hands the bytes to the blob writer.
 * Bytes pass through once and are never held beyond the stream's buffer.
 */
export class HashingSink extends Writable {
  readonly #writer: BlobWriter;
  readonly #maxBytes: number;
  readonly #hashes: BodyHashes;

  constructor(options: HashingSinkOptions) {
    super({ highWaterMark: 1024 * 1024 });
    this.#writer = options.writer;
    this.#maxBytes = options.maxBytes;
    this.#hashes = new BodyHashes(options.checksums);
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    const buffers = chunks.map((c) => c.chunk);
    for (const buffer of buffers) this.#hashes.update(buffer);
    if (this.#hashes.size > this.#maxBytes) {
      callback(
        new S3Error(
          'EntityTooLarge',
          `Your proposed upload exceeds the maximum allowed size of ${this.#maxBytes} bytes.`,
        ),
      );
      return;
    }
    this.#writer.write(buffers).then(() => callback(), callback);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this._writev([{ chunk }], callback);
  }

  /** Valid once the pipeline has finished. */
  result(): ReturnType<BodyHashes['result']> {
    return this.#hashes.result();
  }
}
