/**
 * Transfer progress. On a TTY: a total bar (bytes, speed, ETA, files) and one bar per large file in flight
 * (cli-progress). Piped: one plain line per finished file. Nothing with --quiet or --json.
 */
import cliProgress from 'cli-progress';
import { humanBytes } from './format.js';

export interface FileProgress {
  update(loadedBytes: number): void;
  done(line: string): void;
  fail(): void;
}

const BAR_FORMAT = ' {bar} {percentage}% | {done}/{total_h} | {speed}/s | ETA {eta_formatted} | {label}';

export class Progress {
  readonly #tty: boolean;
  readonly #silent: boolean;
  readonly #bars: cliProgress.MultiBar | undefined;
  readonly #total: cliProgress.SingleBar | undefined;
  #totalBytes = 0;
  #loaded = 0;
  #files = 0;
  #filesDone = 0;
  readonly #started = Date.now();

  constructor(options: { silent: boolean; stream?: NodeJS.WriteStream }) {
    const stream = options.stream ?? process.stderr;
    this.#silent = options.silent;
    this.#tty = !options.silent && stream.isTTY === true;
    if (this.#tty) {
      this.#bars = new cliProgress.MultiBar(
        { format: BAR_FORMAT, hideCursor: true, clearOnComplete: false, stream, etaBuffer: 50, fps: 8 },
        cliProgress.Presets.shades_classic,
      );
      this.#total = this.#bars.create(1, 0, this.#payload('total'));
    }
  }

  #payload(label: string, loaded = this.#loaded, total = this.#totalBytes) {
    const seconds = Math.max(0.001, (Date.now() - this.#started) / 1000);
    return {
      label,
      done: humanBytes(loaded),
      total_h: humanBytes(total),
      speed: humanBytes(Math.round(loaded / seconds)),
    };
  }

  /** Count more work (files and bytes) as it is discovered. */
  add(files: number, bytes: number): void {
    this.#files += files;
    this.#totalBytes += bytes;
    this.#total?.setTotal(Math.max(1, this.#totalBytes));
    this.#refresh();
  }

  #refresh(): void {
    this.#total?.update(this.#loaded, this.#payload(`${this.#filesDone}/${this.#files} files`));
  }

  /** A file starting: large ones get a bar of their own on a TTY. */
  file(label: string, sizeBytes: number, ownBar: boolean): FileProgress {
    let seen = 0;
    const bar =
      this.#tty && ownBar
        ? this.#bars!.create(Math.max(1, sizeBytes), 0, this.#payload(label, 0, sizeBytes))
        : undefined;
    const started = Date.now();
    const advance = (loaded: number) => {
      const delta = Math.max(0, loaded - seen);
      seen = Math.max(seen, loaded);
      this.#loaded += delta;
      if (bar) {
        const seconds = Math.max(0.001, (Date.now() - started) / 1000);
        bar.update(seen, {
          label,
          done: humanBytes(seen),
          total_h: humanBytes(sizeBytes),
          speed: humanBytes(Math.round(seen / seconds)),
        });
      }
      this.#refresh();
    };
    return {
      update: advance,
      done: (line) => {
        advance(sizeBytes);
        this.#filesDone++;
        if (bar) this.#bars!.remove(bar);
        this.#refresh();
        if (!this.#silent) {
          if (this.#bars) this.#bars.log(`${line}\n`);
          else process.stderr.write(`${line}\n`);
        }
      },
      fail: () => {
        if (bar) this.#bars!.remove(bar);
      },
    };
  }

  stop(): void {
    this.#refresh();
    this.#bars?.stop();
  }
}
