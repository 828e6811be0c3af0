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

/**
 * One line per bar that fits 80 columns: the name first (a fixed column, long paths keep their end), then the bar,
 * percent, bytes, speed and ETA. Speed and ETA are ours (bytes over time since the start): cli-progress's own ETA
 * prints "NFs" until it has a rate.
 */
const BAR_FORMAT = '{label} {bar} {percentage}% {done}/{total_h} {speed}/s ETA {eta_h}';
const LABEL_COLUMNS = 22;

function fitLabel(label: string): string {
  return label.length <= LABEL_COLUMNS ? label.padEnd(LABEL_COLUMNS) : `…${label.slice(-(LABEL_COLUMNS - 1))}`;
}

/** `42s`, `3m05s`, `1h02m`; `-` while nothing has moved. */
export function humanEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '-';
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

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
        { format: BAR_FORMAT, hideCursor: true, clearOnComplete: false, stream, fps: 8, barsize: 20 },
        cliProgress.Presets.shades_classic,
      );
      this.#total = this.#bars.create(1, 0, this.#payload('total'));
    }
  }

  #payload(label: string, loaded = this.#loaded, total = this.#totalBytes, started = this.#started) {
    const seconds = Math.max(0.001, (Date.now() - started) / 1000);
    const rate = loaded / seconds;
    return {
      label: fitLabel(label),
      done: humanBytes(loaded),
      total_h: humanBytes(total),
      speed: humanBytes(Math.round(rate)),
      eta_h: loaded >= total ? '0s' : humanEta(rate > 0 ? (total - loaded) / rate : Number.NaN),
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
    this.#total?.update(this.#loaded, this.#payload(`total ${this.#filesDone}/${this.#files} files`));
  }

  /** A file starting: large ones get a bar of their own on a TTY. */
  file(label: string, sizeBytes: number, ownBar: boolean): FileProgress {
    let seen = 0;
    // The bar shows the file's name; the line printed when it is done shows the whole path.
    const name = label.split(/[/\\]/).at(-1) || label;
    const bar =
      this.#tty && ownBar
        ? this.#bars!.create(Math.max(1, sizeBytes), 0, this.#payload(name, 0, sizeBytes))
        : undefined;
    const started = Date.now();
    const advance = (loaded: number) => {
      const delta = Math.max(0, loaded - seen);
      seen = Math.max(seen, loaded);
      this.#loaded += delta;
      bar?.update(seen, this.#payload(name, seen, sizeBytes, started));
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
    // A last frame first: it also prints the lines logged since the previous frame, which stop() alone drops.
    this.#bars?.update();
    this.#bars?.stop();
  }
}
