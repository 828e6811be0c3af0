import { randomBytes } from 'node:crypto';
import { S3Error } from '@coffer/protocol';
import { describe, expect, it } from 'vitest';
import { FormDataReader, formBoundary } from './form-data.js';

const BOUNDARY = 'xYzZY';
const KEY = 'a/$' + '{filename}';

function form(parts: { name: string; filename?: string; body: Buffer | string }[], preamble = ''): Buffer {
  const pieces: Buffer[] = [Buffer.from(preamble)];
  for (const p of parts) {
    const filename = p.filename !== undefined ? `; filename="${p.filename}"` : '';
    pieces.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${p.name}"${filename}\r\n\r\n`));
    pieces.push(Buffer.from(p.body));
    pieces.push(Buffer.from('\r\n'));
  }
  pieces.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(pieces);
}

/** Feeds `bytes` in chunks of the given sizes (cycled), as a socket might. */
async function* chunked(bytes: Buffer, sizes: number[]): AsyncGenerator<Buffer> {
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const n = sizes[i % sizes.length]!;
    yield bytes.subarray(at, at + n);
    at += n;
  }
}

async function readAll(reader: FormDataReader): Promise<{ name: string; filename?: string; body: Buffer }[]> {
  const out: { name: string; filename?: string; body: Buffer }[] = [];
  for (let part = await reader.next(); part; part = await reader.next()) {
    if (part.filename !== undefined) {
      const chunks: Buffer[] = [];
      for await (const c of reader.stream()) chunks.push(c as Buffer);
      out.push({ name: part.name, filename: part.filename, body: Buffer.concat(chunks) });
    } else out.push({ name: part.name, body: Buffer.from(await reader.text(1 << 20)) });
  }
  return out;
}

describe('FormDataReader', () => {
  it('reads the boundary from the Content-Type', () => {
    expect(formBoundary('multipart/form-data; boundary=abc')).toBe('abc');
    expect(formBoundary('Multipart/Form-Data; charset=utf-8; boundary="a b;c"')).toBe('a b;c');
    expect(formBoundary('application/x-www-form-urlencoded')).toBeUndefined();
    expect(formBoundary('multipart/form-data')).toBeUndefined();
  });

  // Contents that look like delimiters: a CRLF, "--" + boundary without the CRLF, a near-miss.
  const tricky = Buffer.concat([
    randomBytes(3000),
    Buffer.from(`\r\n--${BOUNDARY.slice(0, 4)}!--${BOUNDARY}\r\n-\r\n--`),
    randomBytes(3000),
  ]);
  const parts = [
    { name: 'key', body: KEY },
    { name: 'empty', body: '' },
    { name: 'file', filename: 'f.bin', body: tricky },
    { name: 'after', body: 'ignored?' },
  ];

  for (const sizes of [[1], [2, 3], [7], [64], [4096], [100_000]]) {
    it(`splits parts exactly whatever the chunking (${sizes.join(',')})`, async () => {
      const parsed = await readAll(new FormDataReader(chunked(form(parts, 'preamble\r\n'), sizes), BOUNDARY));
      expect(parsed.map((p) => p.name)).toEqual(['key', 'empty', 'file', 'after']);
      expect(parsed[0]!.body.toString()).toBe(KEY);
      expect(parsed[1]!.body.length).toBe(0);
      expect(parsed[2]!.filename).toBe('f.bin');
      expect(parsed[2]!.body.equals(tricky)).toBe(true);
      expect(parsed[3]!.body.toString()).toBe('ignored?');
    });
  }

  it('skips a part nobody read', async () => {
    const reader = new FormDataReader(chunked(form(parts), [5]), BOUNDARY);
    expect((await reader.next())?.name).toBe('key');
    expect((await reader.next())?.name).toBe('empty');
    expect((await reader.next())?.name).toBe('file');
    expect((await reader.next())?.name).toBe('after');
    expect(await reader.next()).toBeUndefined();
  });

  it('fails the file stream when the body ends before its delimiter', async () => {
    const whole = form([{ name: 'file', filename: 'x', body: 'content that is cut' }]);
    const reader = new FormDataReader(chunked(whole.subarray(0, whole.length - 20), [8]), BOUNDARY);
    await reader.next();
    const read = async () => {
      for await (const _ of reader.stream());
    };
    await expect(read()).rejects.toMatchObject({ code: 'MalformedPOSTRequest' });
  });

  it('refuses a body without an opening boundary, and parts without a name', async () => {
    await expect(new FormDataReader(chunked(Buffer.from('no form here'), [4]), BOUNDARY).next()).rejects.toBeInstanceOf(
      S3Error,
    );
    const nameless = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data\r\n\r\nx\r\n--${BOUNDARY}--\r\n`);
    await expect(new FormDataReader(chunked(nameless, [3]), BOUNDARY).next()).rejects.toMatchObject({
      code: 'MalformedPOSTRequest',
    });
  });

  it('limits a field read whole', async () => {
    const reader = new FormDataReader(chunked(form([{ name: 'big', body: 'x'.repeat(100) }]), [10]), BOUNDARY);
    await reader.next();
    await expect(reader.text(99)).rejects.toMatchObject({ code: 'MaxMessageLengthExceeded' });
  });
});
