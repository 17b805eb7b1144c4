/** The collector's counters, rendered in the Prometheus text exposition format for GET /metrics. */

/** Upper bounds (seconds) of the commit-latency histogram buckets. */
const COMMIT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] as const;

/** One single-sample metric family: its HELP and TYPE lines and its value, under one name. */
function metric(name: string, type: 'counter' | 'gauge', help: string, value: number): string[] {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${value}`];
}

export class CollectorMetrics {
  accepted = 0;
  duplicates = 0;
  rejected = 0;
  busy = 0;
  failedWrites = 0;
  /** Clients that closed their connection before their request was read (they retry, or were gone anyway). */
  clientAborts = 0;
  /** Connections cut because their headers (or whole request) missed node:http's deadline. */
  headerTimeouts = 0;
  private readonly commitCounts: number[] = COMMIT_BUCKETS.map(() => 0);
  private commitCount = 0;
  private commitSum = 0;

  constructor(
    private readonly queueDepth: () => number,
    private readonly bodies: { readonly timeouts: number; readonly reading: number } = { timeouts: 0, reading: 0 },
  ) {}

  /** Records how long one request waited for its transaction to commit. */
  observeCommit(seconds: number): void {
    this.commitCount++;
    this.commitSum += seconds;
    COMMIT_BUCKETS.forEach((bound, i) => {
      if (seconds <= bound) this.commitCounts[i] = (this.commitCounts[i] ?? 0) + 1;
    });
  }

  render(): string {
    // Named as Prometheus's client libraries name them, so existing dashboards and alerts apply. The heap figures
    // are the main thread's; the ingest thread's heap and DuckDB's memory are inside the resident set.
    const memory = process.memoryUsage();
    const lines = [
      ...metric('shoplab_collector_events_accepted_total', 'counter', 'Events stored (committed) in the warehouse.', this.accepted),
      ...metric('shoplab_collector_events_duplicate_total', 'counter', 'Events skipped because their id was already stored (retries).', this.duplicates),
      ...metric('shoplab_collector_events_rejected_total', 'counter', 'Events (or requests) refused and recorded in ingest.rejects.', this.rejected),
      ...metric('shoplab_collector_busy_total', 'counter', 'Requests answered 503 because the ingest queue was full.', this.busy),
      ...metric('shoplab_collector_write_failures_total', 'counter', 'Requests whose write failed (answered 500).', this.failedWrites),
      ...metric('shoplab_collector_client_aborts_total', 'counter', 'Requests whose client closed the connection before sending all of it.', this.clientAborts),
      ...metric('shoplab_collector_header_timeouts_total', 'counter', 'Connections closed because the request headers missed their deadline.', this.headerTimeouts),
      ...metric('shoplab_collector_body_timeouts_total', 'counter', 'Requests answered 408 because their body missed its deadline.', this.bodies.timeouts),
      ...metric('shoplab_collector_requests_reading', 'gauge', 'Requests whose bodies are still arriving (not counted against the busy cap).', this.bodies.reading),
      ...metric('shoplab_collector_queue_depth', 'gauge', 'Events waiting for their commit.', this.queueDepth()),
      '# HELP shoplab_collector_commit_seconds Time from handing a request\'s events to the warehouse to their commit.',
      '# TYPE shoplab_collector_commit_seconds histogram',
      ...COMMIT_BUCKETS.map((bound, i) => `shoplab_collector_commit_seconds_bucket{le="${bound}"} ${this.commitCounts[i] ?? 0}`),
      `shoplab_collector_commit_seconds_bucket{le="+Inf"} ${this.commitCount}`,
      `shoplab_collector_commit_seconds_sum ${this.commitSum}`,
      `shoplab_collector_commit_seconds_count ${this.commitCount}`,
      ...metric('process_resident_memory_bytes', 'gauge', 'Resident memory of the collector process (all its threads, DuckDB included).', memory.rss),
      ...metric('nodejs_heap_size_total_bytes', 'gauge', "The main thread's V8 heap, as reserved.", memory.heapTotal),
      ...metric('nodejs_heap_size_used_bytes', 'gauge', "The main thread's V8 heap, as used.", memory.heapUsed),
      ...metric('nodejs_external_memory_bytes', 'gauge', 'Memory held outside the V8 heaps by their objects (buffers).', memory.external),
    ];
    return `${lines.join('\n')}\n`;
  }
}
