/** Upper bounds (seconds) of the latency histograms: 50 µs to 2.5 s. */
export const LATENCY_BUCKETS: readonly number[] = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
];

class Histogram {
  readonly counts = new Float64Array(LATENCY_BUCKETS.length);
  sum = 0;
  count = 0;
  observe(seconds: number): void {
    this.sum += seconds;
    this.count++;
    for (let i = 0; i < LATENCY_BUCKETS.length; i++) {
      if (seconds <= (LATENCY_BUCKETS[i] ?? Number.POSITIVE_INFINITY)) {
        this.counts[i] = (this.counts[i] ?? 0) + 1;
        break;
      }
    }
  }
}

/** How a request ended, as the `outcome` label of `ward_proxy_requests_total`. */
export type Outcome = 'allowed' | 'denied' | 'error' | 'health';

/**
 * The proxy's Prometheus metrics: per-RPC counts by outcome, denials, and per-RPC decision
 * latency and log-append latency histograms. Rendered in the text exposition format (version 0.0.4).
 */
export class ProxyMetrics {
  // By method, then outcome: the method string comes off the wire once per request and a key
  // built from it would be a new string to hash on every count.
  private readonly requests = new Map<string, Map<Outcome, number>>();
  // Per method: an ExecProcess under Kata's rules costs a hundred times a ReadStdout, so one
  // histogram for all would say little about either.
  private readonly decision = new Map<string, Histogram>();
  private readonly append = new Map<string, Histogram>();
  private forwardErrors = 0;

  /** Counts one request of `method` that ended with `outcome`. */
  count(method: string, outcome: Outcome): void {
    let byOutcome = this.requests.get(method);
    if (byOutcome === undefined) this.requests.set(method, (byOutcome = new Map()));
    byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + 1);
  }

  /** Records how long decoding and deciding one request of `method` took. */
  observeDecision(method: string, seconds: number): void {
    observe(this.decision, method, seconds);
  }

  /** Records how long one log append for a request of `method` took until durable. */
  observeAppend(method: string, seconds: number): void {
    observe(this.append, method, seconds);
  }

  /** Counts a request the agent could not be reached for. */
  countForwardError(): void {
    this.forwardErrors++;
  }

  /** Requests of `method` with `outcome` so far (for tests and logs). */
  countOf(method: string, outcome: Outcome): number {
    return this.requests.get(method)?.get(outcome) ?? 0;
  }

  /** The Prometheus text exposition of every metric. */
  render(): string {
    const out: string[] = [
      '# HELP ward_proxy_requests_total Kata agent requests seen by the proxy, by method and outcome.',
      '# TYPE ward_proxy_requests_total counter',
    ];
    const denials: string[] = [];
    const counts: [string, Outcome, number][] = [];
    for (const [method, byOutcome] of this.requests)
      for (const [outcome, n] of byOutcome) counts.push([method, outcome, n]);
    counts.sort(([m1, o1], [m2, o2]) => (m1 !== m2 ? (m1 < m2 ? -1 : 1) : o1 < o2 ? -1 : 1));
    for (const [method, outcome, n] of counts) {
      out.push(`ward_proxy_requests_total{method="${escapeLabel(method)}",outcome="${outcome}"} ${n}`);
      if (outcome === 'denied')
        denials.push(`ward_proxy_denials_total{method="${escapeLabel(method)}"} ${n}`);
    }
    out.push('# HELP ward_proxy_denials_total Requests refused by policy, by method.');
    out.push('# TYPE ward_proxy_denials_total counter', ...denials);
    out.push('# HELP ward_proxy_forward_errors_total Allowed requests the agent could not be reached for.');
    out.push(
      '# TYPE ward_proxy_forward_errors_total counter',
      `ward_proxy_forward_errors_total ${this.forwardErrors}`,
    );
    histogram(
      out,
      'ward_proxy_decision_seconds',
      'Time to decode a request and decide on it, by method.',
      this.decision,
    );
    histogram(
      out,
      'ward_proxy_log_append_seconds',
      'Time until a request is durable in the log, by method.',
      this.append,
    );
    return `${out.join('\n')}\n`;
  }
}

function observe(byMethod: Map<string, Histogram>, method: string, seconds: number): void {
  let h = byMethod.get(method);
  if (h === undefined) byMethod.set(method, (h = new Histogram()));
  h.observe(seconds);
}

function histogram(out: string[], name: string, help: string, byMethod: Map<string, Histogram>): void {
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
  for (const [method, h] of [...byMethod].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const m = `method="${escapeLabel(method)}"`;
    let cumulative = 0;
    for (const [i, le] of LATENCY_BUCKETS.entries()) {
      cumulative += h.counts[i] ?? 0;
      out.push(`${name}_bucket{${m},le="${le}"} ${cumulative}`);
    }
    out.push(
      `${name}_bucket{${m},le="+Inf"} ${h.count}`,
      `${name}_sum{${m}} ${h.sum}`,
      `${name}_count{${m}} ${h.count}`,
    );
  }
}

function escapeLabel(label: string): string {
  return label.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
