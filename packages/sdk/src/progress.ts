/** Progress reporting at most once per interval, with speed and percent computed as Tencent's SDK does. */
import type { ProgressCallback } from './types.js';

export interface ProgressUpdate {
  loaded: number;
  total: number;
}

/**
 * Returns `report(update?, immediately?)`: updates are coalesced and passed on at most every `intervalMs`;
 * `immediately` flushes now (used for the first and the last report).
 *
 * @example
 * const report = throttleProgress(1000, size, params.onProgress);
 * report({ loaded: 0, total: size }, true);
 */
export function throttleProgress(
  intervalMs: number,
  initialTotal: number,
  onProgress: ProgressCallback | undefined,
): (update?: ProgressUpdate, immediately?: boolean) => void {
  let total = initialTotal;
  let size0 = 0;
  let size1 = 0;
  let time0 = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;

  const flush = () => {
    timer = undefined;
    if (!onProgress) return;
    const time1 = Date.now();
    const seconds = (time1 - time0) / 1000;
    const speed = seconds > 0 ? Math.max(0, Math.round(((size1 - size0) / seconds) * 100) / 100) : 0;
    const percent = size1 === 0 && total === 0 ? 1 : Math.floor((size1 / total) * 100) / 100 || 0;
    time0 = time1;
    size0 = size1;
    try {
      onProgress({ loaded: size1, total, speed, percent });
    } catch {
      // A throwing progress callback must not break the upload.
    }
  };

  return (update, immediately) => {
    if (update) {
      size1 = update.loaded;
      total = update.total;
    }
    if (immediately) {
      if (timer !== undefined) clearTimeout(timer);
      flush();
    } else if (timer === undefined) {
      timer = setTimeout(flush, intervalMs);
    }
  };
}
