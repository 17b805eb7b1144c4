/** A one-line progress bar on a terminal; periodic plain lines elsewhere (CI logs). */
export interface Progress {
  update(done: number, failed: number): void;
  end(): void;
}

export function createProgress(total: number, label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  const started = Date.now();
  let lastLine = 0;
  const render = (done: number, failed: number): string => {
    const secs = (Date.now() - started) / 1000;
    const rate = done / Math.max(secs, 0.001);
    const eta = rate > 0 ? Math.ceil((total - done) / rate) : 0;
    const width = 24;
    const filled = Math.round((done / Math.max(total, 1)) * width);
    return `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${rate.toFixed(2)}/s eta ${eta}s${failed ? ` failed ${failed}` : ''}`;
  };
  return {
    update(done, failed) {
      if (stream.isTTY) stream.write(`\r${render(done, failed)}\x1b[K`);
      else if (Date.now() - lastLine > 5000 || done === total) {
        lastLine = Date.now();
        stream.write(`${render(done, failed)}\n`);
      }
    },
    end() {
      if (stream.isTTY) stream.write('\n');
    },
  };
}
