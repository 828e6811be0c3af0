/**
 * HTTPS served directly (`--tls-cert`/`--tls-key`): a certificate signed by a throwaway CA made here
 * with the openssl command, real clients that trust only that CA (aws-sdk v3 with its own https agent,
 * curl --cacert), and the certificate replaced on disk while the server runs: new connections get the
 * new one without a restart, and a broken replacement leaves the previous one serving.
 */
import { execFile, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { configFrom, type RunningServer, StartupError, startServer } from '@coffer/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-tls-'));
const file = (name: string) => path.join(dir, name);

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** A CA, and leaf certificates for 127.0.0.1 and localhost signed by it. */
function makeCa(): void {
  openssl(
    ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
    ...['-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Coffer test CA'],
  );
  fs.writeFileSync(file('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
}

function makeLeaf(name: string): { serial: string } {
  openssl(
    ...['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
    ...['-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`],
  );
  openssl(
    ...['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial'],
    ...['-days', '2', '-extfile', 'san.ext', '-out', `${name}.pem`],
  );
  const cert = new crypto.X509Certificate(fs.readFileSync(file(`${name}.pem`)));
  return { serial: cert.serialNumber };
}

/** curl in a child process, asynchronously: the server answers from this process's event loop. */
async function curlHealth(url: string): Promise<string> {
  const { stdout } = await promisify(execFile)(
    'curl',
    ['-sS', '--fail', '--cacert', file('ca.pem'), `${url}/-/health`],
    {
      encoding: 'utf8',
      timeout: 10_000,
    },
  );
  return stdout;
}

/** Replaces a file the way certificate tools do: write beside it, then rename over it. */
function replace(target: string, source: string): void {
  fs.copyFileSync(source, `${target}.tmp`);
  fs.renameSync(`${target}.tmp`, target);
}

/** The serial number of the certificate a new TLS connection is served. */
function servedSerial(port: number, ca: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.end();
      resolve(serial.toUpperCase());
    });
    socket.on('error', reject);
  });
}

async function until(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('HTTPS served directly', () => {
  let server: RunningServer;
  let ca: Buffer;
  let first: { serial: string };
  let second: { serial: string };

  beforeAll(async () => {
    makeCa();
    first = makeLeaf('one');
    second = makeLeaf('two');
    ca = fs.readFileSync(file('ca.pem'));
    fs.copyFileSync(file('one.pem'), file('cert.pem'));
    fs.copyFileSync(file('one.key'), file('key.pem'));
    const config = configFrom({
      address: '127.0.0.1:0',
      consoleAddress: '127.0.0.1:0',
      dataDir: file('data'),
      logLevel: 'silent',
      fsync: '0',
      tlsCert: file('cert.pem'),
      tlsKey: file('key.pem'),
    });
    server = await startServer(config, { tlsWatchIntervalMs: 50 });
  });
  afterAll(async () => {
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers over HTTPS, to curl trusting the CA, on the API and the console address', async () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(server.consoleUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/-\/console\/$/);
    expect(await curlHealth(new URL(server.consoleUrl).origin)).toContain('"ok"');
    const body = await curlHealth(server.url);
    expect(JSON.parse(body)).toEqual({ status: 'ok' });
  });

  it('serves aws-sdk v3 through an https agent that trusts the CA, and refuses it without', async () => {
    const client = (agent: https.Agent) =>
      new S3Client({
        endpoint: server.url,
        region: server.config.region,
        forcePathStyle: true,
        credentials: { accessKeyId: server.identity.secretId, secretAccessKey: server.identity.secretKey },
        requestHandler: { httpsAgent: agent },
        maxAttempts: 1,
      });
    const s3 = client(new https.Agent({ ca }));
    const Bucket = `tls-${server.identity.appId}`;
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'a.txt', Body: 'over tls' }));
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'a.txt' }));
    expect(await got.Body!.transformToString()).toBe('over tls');
    s3.destroy();

    const untrusting = client(new https.Agent());
    await expect(untrusting.send(new GetObjectCommand({ Bucket, Key: 'a.txt' }))).rejects.toThrow(/certificate/i);
    untrusting.destroy();
  });

  it('picks up a renewed certificate without a restart, and keeps serving through a broken one', async () => {
    expect(await servedSerial(server.port, ca)).toBe(first.serial);
    replace(file('key.pem'), file('two.key'));
    replace(file('cert.pem'), file('two.pem'));
    await until(async () => (await servedSerial(server.port, ca)) === second.serial);
    const consolePort = Number(new URL(server.consoleUrl).port);
    await until(async () => (await servedSerial(consolePort, ca)) === second.serial);
    const body = await curlHealth(server.url);
    expect(JSON.parse(body)).toEqual({ status: 'ok' });

    // A certificate that does not match the key (or is not PEM) is refused; the current one stays.
    replace(file('cert.pem'), file('one.pem'));
    expect(server.reloadTls()).toBe(false);
    fs.writeFileSync(file('cert.pem'), 'not a certificate\n');
    await new Promise((r) => setTimeout(r, 300));
    expect(await servedSerial(server.port, ca)).toBe(second.serial);

    // Putting the pair back in step (what SIGHUP does, too).
    replace(file('key.pem'), file('one.key'));
    replace(file('cert.pem'), file('one.pem'));
    expect(server.reloadTls()).toBe(true);
    expect(await servedSerial(server.port, ca)).toBe(first.serial);
  });

  it('refuses to start with a certificate it cannot use, naming the file', async () => {
    const start = (cert: string, key: string) =>
      startServer(
        configFrom({ address: '127.0.0.1:0', dataDir: file('data2'), logLevel: 'silent', tlsCert: cert, tlsKey: key }),
      );
    await expect(start(file('missing.pem'), file('one.key'))).rejects.toThrow(StartupError);
    await expect(start(file('missing.pem'), file('one.key'))).rejects.toThrow(
      /cannot read TLS certificate .*missing\.pem/,
    );
    await expect(start(file('one.pem'), file('two.key'))).rejects.toThrow(
      /cannot use TLS certificate .*one\.pem with key/,
    );
  });
});
