/**
 * Progress: a bar redrawn in place on a terminal; on a pipe or a CI log, one plain line per tenth
 * of the work (a redrawn bar there is unreadable noise).
 */
export function progressBar(tty: boolean, write: (s: string) => void) {
  let drawn = false;
  let lastTenth = -1;
  const started = performance.now();
  return {
    update(done: number, total: number, what: string) {
      const rate = done / Math.max((performance.now() - started) / 1000, 1e-3);
      if (tty) {
        const width = 30;
        const full = Math.round((done / Math.max(total, 1)) * width);
        write(`\r[${'#'.repeat(full)}${' '.repeat(width - full)}] ${done}/${total} ${what} (${rate.toFixed(1)}/s)`);
        drawn = true;
        return;
      }
      const tenth = Math.floor((10 * done) / Math.max(total, 1));
      if (tenth !== lastTenth) {
        lastTenth = tenth;
        write(`splade-web: ${done}/${total} ${what} (${rate.toFixed(1)}/s)\n`);
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
