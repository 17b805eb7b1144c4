/** A one-line progress bar on a terminal; periodic plain lines elsewhere (CI logs). */
export interface Progress {
  /** `done` includes sessions finished before a resume; `events` counts the store's events of this process. */
  update(done: number, failed: number, events?: number): void;
  end(): void;
}

export interface ProgressOptions {
  /** What `done` counts, for the rate. Default `sessions`. */
  unit?: string;
  /** Whether the line shows events/s and failures (the simulator's). Default true. */
  simulation?: boolean;
  /** Replaces the label on later updates (e.g. the dataset being written). */
  label?: () => string;
}

export function createProgress(total: number, label: string, stream: NodeJS.WriteStream = process.stderr, options: ProgressOptions = {}): Progress {
  const unit = options.unit ?? 'sessions';
  const simulation = options.simulation ?? true;
  const started = Date.now();
  let first: number | undefined;
  let lastLine = 0;
  const render = (done: number, failed: number, events: number): string => {
    first ??= done;
    const secs = Math.max((Date.now() - started) / 1000, 0.001);
    const rate = (done - first) / secs;
    const eta = rate > 0 ? Math.ceil((total - done) / rate) : 0;
    const width = 24;
    const filled = Math.min(width, Math.round((done / Math.max(total, 1)) * width));
    const bar = `${options.label?.() ?? label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${rate.toFixed(simulation ? 2 : 0)} ${unit}/s`;
    return simulation ? `${bar} ${(events / secs).toFixed(0)} events/s eta ${eta}s failed ${failed}` : `${bar} eta ${eta}s`;
  };
  return {
    update(done, failed, events = 0) {
      if (stream.isTTY) stream.write(`\r${render(done, failed, events)}\x1b[K`);
      else if (Date.now() - lastLine > 5000 || done === total) {
        lastLine = Date.now();
        stream.write(`${render(done, failed, events)}\n`);
      }
    },
    end() {
      if (stream.isTTY) stream.write('\n');
    },
  };
}
