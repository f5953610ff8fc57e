/**
 * Progress: a bar redrawn in place on a terminal; on a pipe or a CI log, one plain line per tenth
 * of the work (a redrawn bar there is unreadable noise). Each says the rate and the time left.
 *
 * The rate is measured from the first update on, not from when the bar was made: the first update
 * comes after the model loaded and the pages were cut, which would otherwise count as encoding
 * time and make the estimate of what is left too long.
 */
export function progressBar(tty: boolean, write: (s: string) => void, now: () => number = () => performance.now()) {
  let drawn = false;
  let lastTenth = -1;
  const created = now();
  let first: { at: number; done: number } | undefined;
  return {
    update(done: number, total: number, what: string) {
      first ??= { at: now(), done };
      const since = (now() - first.at) / 1000;
      // Until a second update, the only clock there is starts at creation.
      const rate =
        since > 0 && done > first.done ? (done - first.done) / since : done / Math.max((now() - created) / 1000, 1e-3);
      const left = done < total && rate > 0 ? `, ${formatDuration((total - done) / rate)} left` : '';
      const figures = `${done}/${total} ${what} (${rate.toFixed(1)}/s${left})`;
      if (tty) {
        const width = 30;
        const full = Math.round((Math.min(done, total) / Math.max(total, 1)) * width);
        // Padded so a shorter line (the time left shrinking) leaves no characters of the last one.
        write(`\r[${'#'.repeat(full)}${' '.repeat(width - full)}] ${figures.padEnd(60)}`);
        drawn = true;
        return;
      }
      const tenth = Math.floor((10 * done) / Math.max(total, 1));
      if (tenth !== lastTenth) {
        lastTenth = tenth;
        write(`splade-web: ${figures}\n`);
      }
    },
    line(s: string) {
      if (drawn) write('\n');
      drawn = false;
      write(`splade-web: ${s}\n`);
    },
    done() {
      if (drawn) write('\n');
      drawn = false;
    },
  };
}

/** Seconds as a reader wants them in a progress line: "45 s", "2 min 05 s", "1 h 02 min". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}
