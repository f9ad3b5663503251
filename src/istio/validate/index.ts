// Validation of every object the lab reads, before anything is predicted from it: the CRD's schema for Istio
// kinds (as the API server checks it on `kubectl apply`), then Istio's validation webhook rules (as
// `istioctl validate` and the webhook refuse), and the shape the engine relies on for core kinds.
// An object with a violation is reported and left out, so no route is ever predicted from it.
import type { YamlPath } from '../model';
import crds from './crdSchemas.gen.json';
import { destinationRuleRules, gatewayRules, virtualServiceRules } from './istioRules';
import { authorizationPolicyRules, requestAuthenticationRules } from './securityRules';
import { checkSchema, type Schema, type Violation } from '../../schema/openApi';

export type { Violation } from '../../schema/openApi';

type CrdSchemas = Record<string, { versions: string[]; spec: Schema }>;
const CRD_SCHEMAS = (crds as unknown as { kinds: CrdSchemas }).kinds;
/** The Gateway API kinds the lab reads, from the pinned gateway-api module's experimental CRDs (scripts/gen-crd-schemas.mjs). */
const GATEWAY_API_SCHEMAS = (crds as unknown as { gatewayApiKinds: CrdSchemas; gatewayApiSource: string })
  .gatewayApiKinds;
const GATEWAY_API_SOURCE = (crds as unknown as { gatewayApiSource: string }).gatewayApiSource;

const strMap: Schema = { type: 'object', additionalProperties: { type: 'string' } };
const CORE_SCHEMAS: Record<string, Schema> = {
  // Only the fields the engine reads are typed; other fields of these kinds are left to the API server.
  Service: {
    type: 'object',
    additionalProperties: true,
    properties: {
      type: { type: 'string', enum: ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'] },
      externalName: { type: 'string' },
      clusterIP: { type: 'string' },
      selector: strMap,
      ports: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: true,
          required: ['port'],
          properties: {
            name: { type: 'string' },
            port: { type: 'integer', minimum: 1, maximum: 65535 },
            nodePort: { type: 'integer', minimum: 0, maximum: 65535 },
            protocol: { type: 'string', enum: ['TCP', 'UDP', 'SCTP'] },
            appProtocol: { type: 'string' },
          },
        },
      },
    },
  },
  Deployment: {
    type: 'object',
    additionalProperties: true,
    properties: {
      replicas: { type: 'integer', minimum: 0 },
      selector: { type: 'object', additionalProperties: true, properties: { matchLabels: strMap } },
      template: {
        type: 'object',
        additionalProperties: true,
        properties: {
          metadata: { type: 'object', additionalProperties: true, properties: { labels: strMap } },
          spec: {
            type: 'object',
            additionalProperties: true,
            properties: {
              containers: {
                type: 'array',
                items: {
                  type: 'object',
                  additionalProperties: true,
                  properties: {
                    name: { type: 'string' },
                    image: { type: 'string' },
                    ports: {
                      type: 'array',
                      items: {
                        type: 'object',
                        additionalProperties: true,
                        required: ['containerPort'],
                        properties: {
                          containerPort: { type: 'integer', minimum: 1, maximum: 65535 },
                          name: { type: 'string' },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};

const METADATA: Schema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    name: { type: 'string' },
    namespace: { type: 'string' },
    labels: strMap,
    annotations: strMap,
    creationTimestamp: { type: 'string' },
  },
};

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Every reason the API server would refuse a gateway.networking.k8s.io object: a version its CRD does not serve,
 * metadata, and the CRD's schema (types, enums, patterns such as a listener's hostname, lengths, required fields).
 * The CRDs' CEL rules are not evaluated (Istio's few are, in checkSchema): fewer refusals, never a false one.
 */
export function validateGatewayApiObject(raw: Record<string, unknown>, kind: string, version: string): Violation[] {
  const crd = GATEWAY_API_SCHEMAS[kind];
  if (!crd) return [];
  if (!crd.versions.includes(version))
    return [
      {
        path: ['apiVersion'],
        message: `gateway.networking.k8s.io/${version} ${kind} is not served by the Gateway API CRDs (${GATEWAY_API_SOURCE.split(' ')[0]} serves ${crd.versions.join(', ')})`,
      },
    ];
  const out: Violation[] = [];
  checkMetadata(raw, out);
  if (raw.spec === undefined || raw.spec === null) {
    out.push({ path: [], message: 'spec is required' });
    return out;
  }
  checkSchema(raw.spec, crd.spec, ['spec'], out);
  return out;
}

function checkMetadata(raw: Record<string, unknown>, out: Violation[]): void {
  checkSchema(raw.metadata, METADATA, ['metadata'], out);
  const md = (raw.metadata ?? {}) as Record<string, unknown>;
  if (typeof md.name === 'string' && (md.name.length > 253 || !DNS1123_SUBDOMAIN.test(md.name))) {
    out.push({
      path: ['metadata', 'name'],
      message: `invalid name "${md.name.slice(0, 60)}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`,
    });
  }
  if (typeof md.namespace === 'string' && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(md.namespace))
    out.push({
      path: ['metadata', 'namespace'],
      message: `invalid namespace "${md.namespace.slice(0, 60)}": must be a lowercase RFC 1123 label`,
    });
}

/** Every reason the API server or Istio would refuse this object; empty when it is valid. */
export function validateObject(raw: Record<string, unknown>, kind: string, namespace: string): Violation[] {
  const out: Violation[] = [];
  checkMetadata(raw, out);
  const md = (raw.metadata ?? {}) as Record<string, unknown>;
  const spec = raw.spec;
  const schema = CRD_SCHEMAS[kind]?.spec ?? CORE_SCHEMAS[kind];
  if (!schema) return out;
  if (CRD_SCHEMAS[kind]) {
    // istioctl analyze validates the spec without the metadata: only the webhook (kubectl apply) refuses this
    const dryRun = dryRunRefusal(md, kind, spec, namespace);
    if (dryRun) out.push({ ...dryRun, webhookOnly: true });
  }
  if (spec === undefined || spec === null) {
    // An AuthorizationPolicy without spec is Istio's allow-nothing policy (the API server takes it as it is).
    if (CRD_SCHEMAS[kind] && kind !== 'AuthorizationPolicy') out.push({ path: [], message: 'spec is required' });
    return out;
  }
  const before = out.length;
  checkSchema(spec, schema, ['spec'], out);
  // Istio's rules read the fields with their declared types: run them only on a well-shaped spec.
  if (out.length === before && typeof spec === 'object' && !Array.isArray(spec)) {
    const s = spec as Record<string, unknown>;
    if (kind === 'VirtualService') virtualServiceRules(s, namespace, out);
    else if (kind === 'Gateway') gatewayRules(s, typeof md.name === 'string' ? md.name : '', out);
    else if (kind === 'DestinationRule') destinationRuleRules(s, namespace, out);
    else if (kind === 'AuthorizationPolicy')
      authorizationPolicyRules(s, typeof md.name === 'string' ? md.name : '', namespace, out);
    else if (kind === 'RequestAuthentication') requestAuthenticationRules(s, out);
  }
  return out;
}

const DRY_RUN = 'istio.io/dry-run';
const GO_BOOL = /^(1|t|T|TRUE|true|True|0|f|F|FALSE|false|False)$/;

/**
 * validation.go checkDryRunAnnotation, which Istio's webhook runs on every config before its own rules: only an
 * AuthorizationPolicy may carry istio.io/dry-run, only with action ALLOW or DENY, and only with a Go boolean.
 */
function dryRunRefusal(
  md: Record<string, unknown>,
  kind: string,
  spec: unknown,
  namespace: string,
): Violation | undefined {
  const annotations =
    md.annotations && typeof md.annotations === 'object' ? (md.annotations as Record<string, unknown>) : {};
  if (!(DRY_RUN in annotations)) return undefined;
  const raw = annotations[DRY_RUN];
  const val = typeof raw === 'string' ? raw : JSON.stringify(raw ?? '');
  const at = ['metadata', 'annotations', DRY_RUN];
  const who = `${namespace}/${typeof md.name === 'string' ? md.name : ''}`;
  if (kind !== 'AuthorizationPolicy')
    return { path: at, message: `${who} has unsupported annotation ${DRY_RUN}, please remove the annotation` };
  const s = spec && typeof spec === 'object' ? (spec as Record<string, unknown>) : {};
  const action = typeof s.action === 'string' ? s.action : 'ALLOW';
  if (action !== 'ALLOW' && action !== 'DENY')
    return {
      path: at,
      message: `the annotation ${DRY_RUN} currently only supports action ALLOW/DENY, found action ${action} in ${who}`,
    };
  if (!GO_BOOL.test(val))
    return {
      path: at,
      message: `${who} has annotation ${DRY_RUN} with invalid value (${val}): strconv.ParseBool: parsing ${JSON.stringify(val)}: invalid syntax`,
    };
  return undefined;
}

/** `spec.http[0].match[1].uri`: a path as kubectl and istioctl print it. */
export function pathText(path: YamlPath): string {
  let s = '';
  for (const p of path)
    s +=
      typeof p === 'number'
        ? `[${p}]`
        : /^[A-Za-z_][A-Za-z0-9_]*$/.test(p)
          ? `${s ? '.' : ''}${p}`
          : `[${JSON.stringify(p)}]`;
  return s;
}
