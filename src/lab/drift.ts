// Drift between the three copies of one VirtualService match: the editor's YAML, the object applied in the
// cluster (compared by a server-side apply dry run) and the route on the gateway's Envoy. Pure: the editor
// glue (src/editor/driftLens.ts) gathers the inputs, this module decides what the lens says.
//
//   editor ≠ applied                         → edited, not applied   (or: not applied, when the object is absent)
//   editor = applied, route expected, found  → in sync
//   editor = applied, route expected, absent → applied, not yet on the gateway (within the grace period:
//                                              istiod pushes in seconds), then applied but not on the gateway
//   editor = applied, prediction says no route on any gateway → applied but not on the gateway + its reason

import type { Route } from '../envoy/types';
import { namespaceOf } from '../istio/model';
import { sameRouting } from '../envoy/routeClusters';

export type DriftState =
  | 'in-sync'
  | 'edited-not-applied'
  | 'not-applied'
  | 'applied-pending'
  | 'applied-not-on-gateway'
  | 'unknown';

/** What the server-side apply dry run of the editor's object says. */
export type AppliedComparison =
  | { kind: 'absent' }
  /** The dry run would change these fields ("spec.http[0].match[0].uri.exact: ... → ..."). */
  | { kind: 'changed'; fields: string[]; appliedAt?: number }
  /** Nothing would change. `appliedAt` (ms) is when the applied object was last written, if known. */
  | { kind: 'same'; appliedAt?: number }
  /** The cluster could not be asked (offline, untrusted, error). */
  | { kind: 'unknown'; reason: string };

/** What the offline prediction says Istio does with this match. */
export type PredictedPlacement = { onGateway: true } | { onGateway: false; reason: string };

/** What the gateway's Envoy holds for the match. */
export type LiveRoute =
  | { kind: 'found' }
  /** A route for the same match exists but differs from the prediction (an older version of it). */
  | { kind: 'differs' }
  | { kind: 'missing'; /** The gateway has other routes of the same VirtualService. */ virtualServiceSeen?: boolean }
  | { kind: 'unknown'; reason: string };

export interface DriftInput {
  applied: AppliedComparison;
  predicted: PredictedPlacement;
  live: LiveRoute;
  /** Now, in ms (injected so tests need no clock). */
  now: number;
  /** How long after an apply a missing route still counts as "not yet" (istiod's push), default 30 s. */
  graceMs?: number;
}

export interface Drift {
  state: DriftState;
  /** The lens title, e.g. `drift: edited, not applied (spec.http[1].match[0].uri.prefix)`. */
  title: string;
  /** A longer explanation with what to do, for the tooltip. */
  detail: string;
  /** The likely reason, when the route is not on the gateway. */
  reason?: string;
}

export const DRIFT_LABELS: Record<DriftState, string> = {
  'in-sync': 'in sync',
  'edited-not-applied': 'edited, not applied',
  'not-applied': 'not applied',
  'applied-pending': 'applied, not yet on the gateway',
  'applied-not-on-gateway': 'applied but not on the gateway',
  unknown: 'unknown',
};

export const DRIFT_PREFIX = 'drift: ';
export const DEFAULT_GRACE_MS = 30_000;

const ICON: Record<DriftState, string> = {
  'in-sync': '$(check)',
  'edited-not-applied': '$(edit)',
  'not-applied': '$(cloud-upload)',
  'applied-pending': '$(sync)',
  'applied-not-on-gateway': '$(warning)',
  unknown: '$(question)',
};

/** The lens title without its codicon, as tests and users read it. */
export function driftTitle(state: DriftState, extra?: string): string {
  return `${DRIFT_PREFIX}${DRIFT_LABELS[state]}${extra ? ` (${extra})` : ''}`;
}

export function driftIcon(state: DriftState): string {
  return ICON[state];
}

function shortFields(fields: string[]): string {
  // The path is what tells the user which edit it is; the before → after values go to the tooltip.
  const paths = fields.map((f) => f.replace(/:[^]*$/, '').trim());
  return paths.length > 2 ? `${paths.slice(0, 2).join(', ')} +${paths.length - 2} more` : paths.join(', ');
}

export function computeDrift(input: DriftInput): Drift {
  const { applied, predicted, live, now } = input;
  const grace = input.graceMs ?? DEFAULT_GRACE_MS;
  const make = (state: DriftState, detail: string, extra?: string, reason?: string): Drift => ({
    state,
    title: driftTitle(state, extra),
    detail,
    reason,
  });

  if (applied.kind === 'unknown') return make('unknown', `Cannot compare with the cluster: ${applied.reason}.`);
  if (applied.kind === 'absent')
    return make('not-applied', 'The cluster has no such VirtualService: run "Deploy Sample" or apply the file.');
  if (applied.kind === 'changed') {
    return make(
      'edited-not-applied',
      `The editor's VirtualService differs from the one in the cluster (server-side apply dry run):\n${applied.fields.join('\n')}\nApply the file to send it.`,
      shortFields(applied.fields),
    );
  }

  // The editor and the cluster agree: what does the gateway hold?
  if (!predicted.onGateway) {
    return make(
      'applied-not-on-gateway',
      `Applied, but Istio puts no route for it on the gateway: ${predicted.reason}.`,
      predicted.reason,
      predicted.reason,
    );
  }
  if (live.kind === 'unknown')
    return make('unknown', `Applied; the gateway's Envoy could not be read: ${live.reason}.`);
  if (live.kind === 'found')
    return make('in-sync', "The editor, the applied object and the route on the gateway's Envoy agree.");

  const age = applied.appliedAt !== undefined ? now - applied.appliedAt : undefined;
  const recent = age !== undefined && age >= 0 && age < grace;
  const old =
    live.kind === 'differs'
      ? 'The gateway still holds the previous version of this route.'
      : 'The gateway has no route for this match yet.';
  if (recent) {
    return make(
      'applied-pending',
      `Applied ${Math.round(age / 1000)} s ago. ${old} istiod pushes changes within seconds: refresh to read the gateway again.`,
    );
  }
  // Past the grace period: something stopped it. Say which of the usual causes is most likely.
  const reason =
    live.kind === 'differs'
      ? 'the gateway kept the previous route: istiod rejected or did not push the new one (istioctl analyze, istiod logs)'
      : live.kind === 'missing' && live.virtualServiceSeen
        ? "shadowed: the gateway has the VirtualService's other routes but not this one (an earlier match or another VirtualService for the same host takes it)"
        : 'rejected or not pushed: the gateway has no route from this VirtualService (istioctl analyze; is istiod running?)';
  return make(
    'applied-not-on-gateway',
    `Applied${age !== undefined ? ` ${Math.round(age / 1000)} s ago` : ''}, but not on the gateway: ${reason}.`,
    reason,
    reason,
  );
}

/** When the applied object was last written by anyone: the newest managedFields time (ms), if any. */
export function lastAppliedAt(
  obj: { metadata?: { managedFields?: { time?: string }[]; creationTimestamp?: string } } | undefined,
): number | undefined {
  const times = (obj?.metadata?.managedFields ?? [])
    .map((f) => (f.time ? Date.parse(f.time) : NaN))
    .filter((t) => !Number.isNaN(t));
  if (times.length) return Math.max(...times);
  const created = obj?.metadata?.creationTimestamp ? Date.parse(obj.metadata.creationTimestamp) : NaN;
  return Number.isNaN(created) ? undefined : created;
}

/** What the gateway holds for a predicted route: the live route found for the same match (or none), compared by sameRouting. */
export function compareLiveRoute(predicted: Route, live: Route | undefined, virtualServiceSeen: boolean): LiveRoute {
  if (!live) return { kind: 'missing', virtualServiceSeen };
  return { kind: sameRouting(predicted, live) ? 'found' : 'differs' };
}

/**
 * The dry run's changes that concern one http entry: a change inside another entry (`spec.http[2]...`) leaves
 * this match as applied. Changes elsewhere (hosts, gateways, the number of entries) concern every match.
 */
export function appliedForHttp(applied: AppliedComparison, http: number | undefined): AppliedComparison {
  if (applied.kind !== 'changed' || http === undefined) return applied;
  const fields = applied.fields.filter((f) => {
    const m = /^spec\.http\[(\d+)\]/.exec(f);
    return !m || Number(m[1]) === http;
  });
  return fields.length ? { ...applied, fields } : { kind: 'same', appliedAt: applied.appliedAt };
}

interface NamedObject {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
}

/**
 * The editor's VirtualService a drift lens is on, found by the engine's namespace rule: a VirtualService that
 * names no namespace is read into `readInto` (the sample namespace), as its lens was.
 */
export function editorVirtualService<T extends NamedObject>(
  objects: readonly (T | undefined)[],
  vs: { name: string; namespace: string },
  readInto: string,
): T | undefined {
  return objects.find(
    (o): o is T =>
      o?.kind === 'VirtualService' && o.metadata?.name === vs.name && namespaceOf(o, readInto) === vs.namespace,
  );
}
