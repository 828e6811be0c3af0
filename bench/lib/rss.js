// Peak resident memory of another process (Linux /proc), as bench/memory.js measures it: VmRSS sampled every
// interval, and VmHWM (the kernel's own high-water mark, reset first through /proc/<pid>/clear_refs when allowed),
// which catches peaks between samples.
import { readFile, writeFile } from 'node:fs/promises';

export async function readMemory(pid) {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  const bytes = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN) * 1024;
  return { rss: bytes('VmRSS'), hwm: bytes('VmHWM') };
}

/**
 * Starts watching `pid`; `stop()` resolves with { peakBytes, sampledPeakBytes, hwmBytes, hwmReset, samples }, where
 * peakBytes is the larger of the sampled peak and VmHWM (VmHWM is the peak since start when it could not be reset).
 */
export async function watchMemory(pid, intervalMs = 50) {
  const hwmReset = await writeFile(`/proc/${pid}/clear_refs`, '5').then(
    () => true,
    () => false,
  );
  let peak = 0;
  let samples = 0;
  const sample = async () => {
    peak = Math.max(peak, (await readMemory(pid)).rss);
    samples++;
  };
  await sample();
  const timer = setInterval(() => void sample().catch(() => {}), intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await sample();
      const { hwm } = await readMemory(pid);
      return { peakBytes: Math.max(peak, hwm), sampledPeakBytes: peak, hwmBytes: hwm, hwmReset, samples };
    },
  };
}
