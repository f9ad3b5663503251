// The lab's own cluster as `npm run lab` builds it in the background: the status file the builder writes
// (scripts/labCluster.mjs) and the words the editor shows for it. Pure: no vscode, no file system.

export type LabClusterState = 'building' | 'starting' | 'ready' | 'failed';

export interface LabClusterStatus {
  state: LabClusterState;
  /** What is being built or started now, e.g. "kubernetes v1.36.3" or "control plane". */
  part: string;
  /** When the current part started, and how long it takes on a first run (0 when unknown). */
  partStartedAt: string;
  partEstimateSeconds: number;
  /** Estimated seconds left for the whole build and start, counting the parts still to come. */
  remainingSeconds: number;
  startedAt: string;
  /** The last line of the build's output, or the reason it failed. */
  detail: string;
  log: string;
}

const STATES: readonly LabClusterState[] = ['building', 'starting', 'ready', 'failed'];

/** The status file's JSON, checked; undefined when it is not (yet) a whole status. */
export function parseLabClusterStatus(text: string): LabClusterStatus | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined; // mid-write; the next change brings the whole file
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const str = (k: string) => (typeof o[k] === 'string' ? o[k] : '');
  const num = (k: string) => (typeof o[k] === 'number' && Number.isFinite(o[k]) ? Math.max(0, o[k]) : 0);
  if (!STATES.includes(o.state as LabClusterState)) return undefined;
  return {
    state: o.state as LabClusterState,
    part: str('part'),
    partStartedAt: str('partStartedAt'),
    partEstimateSeconds: num('partEstimateSeconds'),
    remainingSeconds: num('remainingSeconds'),
    startedAt: str('startedAt'),
    detail: str('detail'),
    log: str('log'),
  };
}

/** "about 4 min", "about 40 s", "under a minute"; minutes above two minutes. */
export function aboutDuration(seconds: number): string {
  if (seconds <= 0) return 'under a minute';
  if (seconds < 120) return `about ${Math.max(10, Math.round(seconds / 10) * 10)} s`;
  return `about ${Math.round(seconds / 60)} min`;
}

/** Seconds left, from the estimate and the time already spent on the current part. */
export function secondsLeft(s: LabClusterStatus, now: Date): number {
  const spent = s.partStartedAt ? Math.max(0, (now.getTime() - Date.parse(s.partStartedAt)) / 1000) : 0;
  const partLeft = Math.max(0, s.partEstimateSeconds - spent);
  return Math.round(s.remainingSeconds - s.partEstimateSeconds + partLeft);
}

/** One line for the progress notification and the walkthrough: which part, and about how long is left. */
export function describeLabCluster(s: LabClusterStatus, now: Date): string {
  switch (s.state) {
    case 'building':
      return `Building the lab's cluster: ${s.part} (${aboutDuration(secondsLeft(s, now))} left; the first build compiles Kubernetes and Istio, later starts take seconds)`;
    case 'starting':
      return `Starting the lab's cluster: ${s.part} (${aboutDuration(secondsLeft(s, now))} left)`;
    case 'ready':
      return "The lab's cluster is ready.";
    case 'failed':
      return `The lab's cluster could not be built: ${s.detail || s.part}. See ${s.log}, fix it, and run npm run lab again.`;
  }
}

/** The status bar's short text, with a codicon. */
export function labClusterStatusBarText(s: LabClusterStatus, now: Date): string {
  switch (s.state) {
    case 'building':
    case 'starting':
      return `$(sync~spin) Lab cluster: ${s.part}, ${aboutDuration(secondsLeft(s, now))} left`;
    case 'ready':
      return '$(check) Lab cluster ready';
    case 'failed':
      return '$(error) Lab cluster failed';
  }
}
