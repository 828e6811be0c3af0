import fs from 'node:fs';
import type tls from 'node:tls';
import { createSecureContext } from 'node:tls';
import type { Logger } from 'pino';
import { StartupError } from './data-dir.js';

/** A server whose certificate can be swapped while it runs (https.Server, tls.Server). */
interface SecureServer {
  setSecureContext(options: tls.SecureContextOptions): void;
}

/**
 * The certificate and key of `--tls-cert`/`--tls-key`, kept current: the files are polled (by path,
 * so a renewal that writes a new file and renames it over the old one, or a Kubernetes secret's
 * symlink swap, is seen as well as an edit in place) and every change is loaded into the listening
 * servers with setSecureContext — new connections get the new certificate, open ones keep theirs.
 * A pair that does not load (a key written before its certificate, a bad PEM) keeps the previous one
 * serving and is logged; the next change is tried again.
 * https://nodejs.org/api/tls.html#serversetsecurecontextoptions
 */
export class TlsFiles {
  readonly #servers: SecureServer[] = [];
  #watching = false;

  constructor(
    private readonly files: { certFile: string; keyFile: string },
    private readonly log: Logger,
  ) {}

  /** The current pair as server options; throws StartupError naming the file that cannot be used. */
  load(): tls.SecureContextOptions {
    const options = {
      cert: readPem(this.files.certFile, 'certificate'),
      key: readPem(this.files.keyFile, 'private key'),
    };
    try {
      createSecureContext(options);
    } catch (err) {
      throw new StartupError(
        `cannot use TLS certificate ${this.files.certFile} with key ${this.files.keyFile}: ${(err as Error).message}`,
      );
    }
    return options;
  }

  /** Reloads the files into every server now; false (and the old pair kept) if they do not load. */
  reload(): boolean {
    let options: tls.SecureContextOptions;
    try {
      options = this.load();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'TLS certificate not reloaded; the previous one stays in use');
      return false;
    }
    for (const server of this.#servers) server.setSecureContext(options);
    this.log.info({ cert: this.files.certFile }, 'TLS certificate reloaded');
    return true;
  }

  /** Serves the current pair on `server` and keeps it current until close(). */
  watch(server: SecureServer, intervalMs: number): void {
    this.#servers.push(server);
    if (this.#watching) return;
    this.#watching = true;
    for (const file of [this.files.certFile, this.files.keyFile]) {
      fs.watchFile(file, { interval: intervalMs, persistent: false }, this.#changed);
    }
  }

  close(): void {
    for (const file of [this.files.certFile, this.files.keyFile]) fs.unwatchFile(file, this.#changed);
    this.#watching = false;
  }

  readonly #changed = (now: fs.Stats, before: fs.Stats): void => {
    if (now.mtimeMs === before.mtimeMs && now.ino === before.ino && now.size === before.size) return;
    this.reload();
  };
}

function readPem(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new StartupError(`cannot read TLS ${what} ${file}: ${(err as NodeJS.ErrnoException).code}`);
  }
}
