// A battery of hostile and odd inputs run through the CLI's subcommands in-process, with the CLI's real file
// reader: nothing may end in an internal error or hang, every refusal is one clean line, and no object
// Istio or the API server would refuse is turned into a route (issue 11).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { stringify } from 'yaml';
import { main } from '../../src/cli';
import { readTextFile } from '../../src/cli/readInput';

type Obj = Record<string, unknown>;
const clone = <T>(v: T): T => structuredClone(v);

const VS: Obj = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'simple', namespace: 'simple' },
  spec: {
    hosts: ['simple.baihl.io'],
    gateways: ['simple'],
    http: [
      {
        match: [{ uri: { prefix: '/simple/nginx' } }],
        rewrite: { uri: '/' },
        route: [{ destination: { host: 'nginx.simple.svc.cluster.local', port: { number: 80 } } }],
      },
      { route: [{ destination: { host: 'simple.simple.svc.cluster.local', port: { number: 80 } } }] },
    ],
  },
};
const GW: Obj = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'Gateway',
  metadata: { name: 'simple', namespace: 'simple' },
  spec: {
    selector: { istio: 'ingressgateway' },
    servers: [{ hosts: ['simple.baihl.io'], port: { name: 'http', number: 80, protocol: 'HTTP' } }],
  },
};
const DR: Obj = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'DestinationRule',
  metadata: { name: 'nginx', namespace: 'simple' },
  spec: { host: 'nginx.simple.svc.cluster.local', subsets: [{ name: 'v1', labels: { version: 'v1' } }] },
};
const SVC: Obj = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'nginx', namespace: 'simple' },
  spec: { selector: { app: 'nginx' }, ports: [{ name: 'http', port: 80, targetPort: 80 }] },
};
const DEPLOY: Obj = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'nginx', namespace: 'simple' },
  spec: {
    selector: { matchLabels: { app: 'nginx' } },
    template: {
      metadata: { labels: { app: 'nginx' } },
      spec: { containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }] }] },
    },
  },
};
const SECRET: Obj = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'tls', namespace: 'simple' },
  type: 'kubernetes.io/tls',
  data: { 'tls.crt': 'LS0tLS1CRUdJTg==', 'tls.key': 'LS0tLS1CRUdJTg==' },
};

/** Sets (or with `undefined`, deletes) the value at a dotted path like `spec.http.0.match`. */
function mutate(base: Obj, path: string, value: unknown): Obj {
  const o = clone(base);
  const keys = path.split('.');
  let cur: Record<string, unknown> = o;
  for (const k of keys.slice(0, -1)) cur = cur[k] as Record<string, unknown>;
  const last = keys[keys.length - 1]!;
  if (value === undefined) delete cur[last];
  else cur[last] = value;
  return o;
}

const docs = (...objs: Obj[]) => objs.map((o) => stringify(o)).join('---\n');

interface Case {
  name: string;
  /** Files by name: text, bytes, or a special kind created in the case's folder. */
  files: Record<string, string | Buffer | { fifo: true } | { symlink: string }>;
  /** Arguments; FILE names are replaced by their paths. */
  argv: string[];
  /**
   * refused: exit 2 with a line naming the file (and `field` when given); reported: `analyze` on an object Istio
   * refuses, exit 1 with istioctl's IST0106 line naming the file, line and field; ok: exit 0; any: exit 0-2, clean.
   */
  expect: 'refused' | 'reported' | 'ok' | 'any';
  field?: string;
  stdoutHas?: string;
}

const cases: Case[] = [];
const invalid = (name: string, obj: Obj, field: string, extra: Obj[] = [GW]) => {
  for (const cmd of ['predict', 'analyze', 'trace'] as const) {
    const argv =
      cmd === 'trace' ? ['trace', '--host', 'simple.baihl.io', '--path', '/simple/nginx', 'in.yaml'] : [cmd, 'in.yaml'];
    cases.push({
      name: `${cmd}: ${name}`,
      files: { 'in.yaml': docs(obj, ...extra) },
      argv,
      expect: cmd === 'analyze' ? 'reported' : 'refused',
      field,
    });
  }
};

// ---- VirtualServices Istio or the API server refuse (each through predict, analyze and trace) ----
invalid('hosts: [123]', mutate(VS, 'spec.hosts', [123]), 'spec.hosts[0]');
invalid('hosts as a string', mutate(VS, 'spec.hosts', 'simple.baihl.io'), 'spec.hosts');
invalid('empty host', mutate(VS, 'spec.hosts', ['']), 'spec.hosts[0]');
invalid('host with an underscore', mutate(VS, 'spec.hosts', ['bad_host.example.com']), 'spec.hosts[0]');
invalid('duplicate hosts', mutate(VS, 'spec.hosts', ['simple.baihl.io', 'simple.baihl.io']), 'spec.hosts[1]');
invalid('wildcard host covering another', mutate(VS, 'spec.hosts', ['simple.baihl.io', '*.baihl.io']), 'spec.hosts[1]');
invalid(
  'host * bound to the mesh',
  mutate(mutate(VS, 'spec.hosts', ['*']), 'spec.gateways', undefined),
  'spec.hosts[0]',
);
invalid('http written as a map', mutate(VS, 'spec.http', { route: [] }), 'spec.http');
invalid('http as a string', mutate(VS, 'spec.http', 'hello'), 'spec.http');
invalid('http item null', mutate(VS, 'spec.http', [null]), 'spec.http[0]');
invalid('no http, tcp or tls', mutate(VS, 'spec.http', undefined), 'http, tcp or tls');
invalid('match as a map', mutate(VS, 'spec.http.0.match', { uri: { prefix: '/x' } }), 'spec.http[0].match');
invalid('match item a string', mutate(VS, 'spec.http.0.match', ['/x']), 'spec.http[0].match[0]');
invalid(
  'uri as a plain string',
  mutate(VS, 'spec.http.0.match', [{ uri: '/simple/nginx' }]),
  'spec.http[0].match[0].uri',
);
invalid(
  'uri with exact and prefix',
  mutate(VS, 'spec.http.0.match', [{ uri: { exact: '/a', prefix: '/b' } }]),
  'spec.http[0].match[0].uri',
);
invalid(
  'uri regex with lookbehind',
  mutate(VS, 'spec.http.0.match', [{ uri: { regex: '(?<=a)b' } }]),
  'spec.http[0].match[0].uri',
);
invalid(
  'uri regex with a backreference',
  mutate(VS, 'spec.http.0.match', [{ uri: { regex: '/(a)\\1' } }]),
  'spec.http[0].match[0].uri',
);
invalid('uri regex empty', mutate(VS, 'spec.http.0.match', [{ uri: { regex: '' } }]), 'spec.http[0].match[0].uri');
invalid(
  'uri regex over 1024 characters',
  mutate(VS, 'spec.http.0.match', [{ uri: { regex: 'a'.repeat(1100) } }]),
  'spec.http[0].match[0].uri',
);
invalid(
  'uri regex unbalanced',
  mutate(VS, 'spec.http.0.match', [{ uri: { regex: '/(a' } }]),
  'spec.http[0].match[0].uri',
);
invalid(
  'uri with a misspelt field',
  mutate(VS, 'spec.http.0.match', [{ uri: { exactt: '/a' } }]),
  'spec.http[0].match[0].uri.exactt',
);
invalid('match port as a string', mutate(VS, 'spec.http.0.match', [{ port: '80' }]), 'spec.http[0].match[0].port');
invalid('match port 80.5', mutate(VS, 'spec.http.0.match', [{ port: 80.5 }]), 'spec.http[0].match[0].port');
invalid('match port 99999', mutate(VS, 'spec.http.0.match', [{ port: 99999 }]), 'spec.http[0].match[0].port');
invalid('match port negative', mutate(VS, 'spec.http.0.match', [{ port: -1 }]), 'spec.http[0].match[0].port');
invalid(
  'header regex RE2 refuses',
  mutate(VS, 'spec.http.0.match', [{ headers: { 'x-a': { regex: '(?=x)' } } }]),
  'spec.http[0].match[0].headers',
);
invalid(
  'header name with a space',
  mutate(VS, 'spec.http.0.match', [{ headers: { 'x a': { exact: 'b' } } }]),
  'spec.http[0].match[0].headers',
);
invalid(
  'header match as a string',
  mutate(VS, 'spec.http.0.match', [{ headers: { 'x-a': 'b' } }]),
  'spec.http[0].match[0].headers',
);
invalid(
  'method prefix empty',
  mutate(VS, 'spec.http.0.match', [{ method: { prefix: '' } }]),
  'spec.http[0].match[0].method',
);
invalid(
  'query param regex bad',
  mutate(VS, 'spec.http.0.match', [{ queryParams: { v: { regex: '[' } } }]),
  'spec.http[0].match[0].queryParams',
);
invalid('sourceNamespace invalid', mutate(VS, 'spec.http.0.match', [{ sourceNamespace: 'bad_ns' }]), 'sourceNamespace');
invalid(
  'ignoreUriCase as a string',
  mutate(VS, 'spec.http.0.match', [{ ignoreUriCase: 'yes', uri: { prefix: '/' } }]),
  'ignoreUriCase',
);
invalid(
  'weight -50',
  mutate(VS, 'spec.http.1.route', [
    { destination: { host: 'a' }, weight: -50 },
    { destination: { host: 'b' }, weight: 150 },
  ]),
  'spec.http[1].route[0].weight',
);
invalid(
  'weights 0 and 0',
  mutate(VS, 'spec.http.1.route', [
    { destination: { host: 'a' }, weight: 0 },
    { destination: { host: 'b' }, weight: 0 },
  ]),
  'spec.http[1].route',
);
invalid(
  'weight "fifty"',
  mutate(VS, 'spec.http.1.route', [{ destination: { host: 'a' }, weight: 'fifty' }]),
  'spec.http[1].route[0].weight',
);
invalid(
  'weight 50.5',
  mutate(VS, 'spec.http.1.route', [{ destination: { host: 'a' }, weight: 50.5 }]),
  'spec.http[1].route[0].weight',
);
invalid('destination missing', mutate(VS, 'spec.http.1.route', [{ weight: 100 }]), 'spec.http[1].route[0]');
invalid(
  'destination host *',
  mutate(VS, 'spec.http.1.route', [{ destination: { host: '*' } }]),
  'spec.http[1].route[0].destination.host',
);
invalid(
  'destination host a number',
  mutate(VS, 'spec.http.1.route', [{ destination: { host: 8080 } }]),
  'spec.http[1].route[0].destination.host',
);
invalid(
  'destination port "80"',
  mutate(VS, 'spec.http.1.route', [{ destination: { host: 'a', port: { number: '80' } } }]),
  'spec.http[1].route[0].destination.port.number',
);
invalid(
  'destination port 80.5',
  mutate(VS, 'spec.http.1.route', [{ destination: { host: 'a', port: { number: 80.5 } } }]),
  'spec.http[1].route[0].destination.port.number',
);
invalid(
  'destination port 99999',
  mutate(VS, 'spec.http.1.route', [{ destination: { host: 'a', port: { number: 99999 } } }]),
  'spec.http[1].route[0].destination.port.number',
);
invalid(
  'destination port as a number',
  mutate(VS, 'spec.http.1.route', [{ destination: { host: 'a', port: 80 } }]),
  'spec.http[1].route[0].destination.port',
);
invalid(
  'subset with upper-case and underscore',
  mutate(VS, 'spec.http.1.route', [{ destination: { host: 'a', subset: 'v_1' } }]),
  'spec.http[1].route[0].destination.subset',
);
invalid('route as a map', mutate(VS, 'spec.http.1.route', { destination: { host: 'a' } }), 'spec.http[1].route');
invalid('route and redirect', mutate(VS, 'spec.http.1.redirect', { uri: '/x' }), 'spec.http[1]');
invalid('route and directResponse', mutate(VS, 'spec.http.1.directResponse', { status: 503 }), 'spec.http[1]');
invalid('no route, redirect or directResponse', mutate(VS, 'spec.http.1.route', undefined), 'spec.http[1]');
invalid(
  'redirect code 200',
  { ...mutate(VS, 'spec.http.1', { redirect: { uri: '/x', redirectCode: 200 } }) },
  'spec.http[1].redirect.redirectCode',
);
invalid(
  'redirect scheme ftp',
  mutate(VS, 'spec.http.1', { redirect: { scheme: 'ftp' } }),
  'spec.http[1].redirect.scheme',
);
invalid('redirect empty', mutate(VS, 'spec.http.1', { redirect: {} }), 'spec.http[1].redirect');
invalid(
  'directResponse status 1000',
  mutate(VS, 'spec.http.1', { directResponse: { status: 1000 } }),
  'spec.http[1].directResponse.status',
);
invalid(
  'directResponse without status',
  mutate(VS, 'spec.http.1', { directResponse: { body: { string: 'x' } } }),
  'spec.http[1].directResponse',
);
invalid(
  'directResponse body string and bytes',
  mutate(VS, 'spec.http.1', { directResponse: { status: 200, body: { string: 'x', bytes: 'eA==' } } }),
  'spec.http[1].directResponse.body',
);
invalid('timeout without a unit', mutate(VS, 'spec.http.1.timeout', '10'), 'spec.http[1].timeout');
invalid('timeout "abc"', mutate(VS, 'spec.http.1.timeout', 'abc'), 'spec.http[1].timeout');
invalid('timeout 0.5ms', mutate(VS, 'spec.http.1.timeout', '0.5ms'), 'spec.http[1].timeout');
invalid('timeout as a number', mutate(VS, 'spec.http.1.timeout', 10), 'spec.http[1].timeout');
invalid('retries attempts -1', mutate(VS, 'spec.http.1.retries', { attempts: -1 }), 'spec.http[1].retries.attempts');
invalid(
  'retries perTryTimeout bad',
  mutate(VS, 'spec.http.1.retries', { attempts: 2, perTryTimeout: 'x' }),
  'spec.http[1].retries.perTryTimeout',
);
invalid(
  'rewrite uri and uriRegexRewrite',
  mutate(VS, 'spec.http.0.rewrite', { uri: '/', uriRegexRewrite: { match: '/a', rewrite: '/b' } }),
  'spec.http[0].rewrite',
);
invalid(
  'uriRegexRewrite RE2 refuses',
  mutate(VS, 'spec.http.0.rewrite', { uriRegexRewrite: { match: '(?<n>a)\\k<n>', rewrite: '/b' } }),
  'spec.http[0].rewrite',
);
invalid('rewrite empty', mutate(VS, 'spec.http.0.rewrite', {}), 'spec.http[0].rewrite');
invalid(
  'mirrorPercentage 150',
  mutate(VS, 'spec.http.1.mirrorPercentage', { value: 150 }),
  'spec.http[1].mirrorPercentage.value',
);
invalid('gateways as a string', mutate(VS, 'spec.gateways', 'simple'), 'spec.gateways');
invalid('gateway name invalid', mutate(VS, 'spec.gateways', ['simple/bad_name']), 'spec.gateways[0]');
invalid('gateway with empty namespace', mutate(VS, 'spec.gateways', ['/simple']), 'spec.gateways[0]');
invalid('exportTo duplicates', mutate(VS, 'spec.exportTo', ['.', 'simple']), 'spec.exportTo');
invalid('spec: hello', mutate(VS, 'spec', 'hello'), 'spec');
invalid('spec a list', mutate(VS, 'spec', []), 'spec');
invalid('spec missing', mutate(VS, 'spec', undefined), 'spec');
invalid(
  'htpp typo',
  mutate(mutate(VS, 'spec.htpp', clone((VS.spec as Obj).http)), 'spec.http', undefined),
  'spec.htpp',
);
invalid(
  'unknown field in a route',
  mutate(VS, 'spec.http.1.route.0.destinaton', { host: 'a' }),
  'spec.http[1].route[0].destinaton',
);
invalid('metadata.namespace invalid', mutate(VS, 'metadata.namespace', 'Bad NS'), 'metadata.namespace');
invalid('metadata.name with upper case', mutate(VS, 'metadata.name', 'Simple'), 'metadata.name');
invalid('labels with a number value', mutate(VS, 'metadata.labels', { app: 1 }), 'metadata.labels');
invalid('tcp route without route', mutate(VS, 'spec.tcp', [{ match: [{ port: 31400 }] }]), 'spec.tcp[0]');

// ---- Gateways ----
const gwInvalid = (name: string, gw: Obj, field: string) => invalid(`Gateway ${name}`, VS, field, [gw]);
gwInvalid('without servers', mutate(GW, 'spec.servers', []), 'spec');
gwInvalid('servers as a map', mutate(GW, 'spec.servers', { port: {} }), 'spec.servers');
gwInvalid('server null', mutate(GW, 'spec.servers', [null]), 'spec.servers[0]');
gwInvalid('server without port', mutate(GW, 'spec.servers.0.port', undefined), 'spec.servers[0]');
gwInvalid(
  'port number "80"',
  mutate(GW, 'spec.servers.0.port', { name: 'http', number: '80', protocol: 'HTTP' }),
  'spec.servers[0].port.number',
);
gwInvalid(
  'port number 80.5',
  mutate(GW, 'spec.servers.0.port', { name: 'http', number: 80.5, protocol: 'HTTP' }),
  'spec.servers[0].port.number',
);
gwInvalid(
  'port number 99999',
  mutate(GW, 'spec.servers.0.port', { name: 'http', number: 99999, protocol: 'HTTP' }),
  'spec.servers[0].port.number',
);
gwInvalid(
  'port number 0',
  mutate(GW, 'spec.servers.0.port', { name: 'http', number: 0, protocol: 'HTTP' }),
  'spec.servers[0].port.number',
);
gwInvalid(
  'protocol FOO',
  mutate(GW, 'spec.servers.0.port', { name: 'http', number: 80, protocol: 'FOO' }),
  'spec.servers[0].port.protocol',
);
gwInvalid(
  'port without name',
  mutate(GW, 'spec.servers.0.port', { number: 80, protocol: 'HTTP' }),
  'spec.servers[0].port',
);
gwInvalid(
  'port without protocol',
  mutate(GW, 'spec.servers.0.port', { number: 80, name: 'http' }),
  'spec.servers[0].port',
);
gwInvalid(
  'duplicate port names',
  mutate(GW, 'spec.servers', [
    ...((GW.spec as Obj).servers as Obj[]),
    { hosts: ['b.example.com'], port: { name: 'http', number: 81, protocol: 'HTTP' } },
  ]),
  'spec.servers[1].port.name',
);
gwInvalid('server without hosts', mutate(GW, 'spec.servers.0.hosts', []), 'spec.servers[0]');
gwInvalid('server hosts a number', mutate(GW, 'spec.servers.0.hosts', [123]), 'spec.servers[0].hosts[0]');
gwInvalid(
  'server host with bad namespace',
  mutate(GW, 'spec.servers.0.hosts', ['bad_ns/simple.baihl.io']),
  'spec.servers[0].hosts[0]',
);
gwInvalid('server host empty dns name', mutate(GW, 'spec.servers.0.hosts', ['simple/']), 'spec.servers[0].hosts[0]');
gwInvalid(
  'HTTPS without tls',
  mutate(GW, 'spec.servers.0.port', { name: 'https', number: 443, protocol: 'HTTPS' }),
  'spec.servers[0]',
);
gwInvalid(
  'tls on a TCP port',
  mutate(mutate(GW, 'spec.servers.0.port', { name: 'tcp', number: 31400, protocol: 'TCP' }), 'spec.servers.0.tls', {
    mode: 'SIMPLE',
    credentialName: 'x',
  }),
  'spec.servers[0].tls',
);
gwInvalid(
  'tls mode FOO',
  mutate(mutate(GW, 'spec.servers.0.port', { name: 'https', number: 443, protocol: 'HTTPS' }), 'spec.servers.0.tls', {
    mode: 'FOO',
  }),
  'spec.servers[0].tls.mode',
);
gwInvalid(
  'SIMPLE tls without a certificate',
  mutate(mutate(GW, 'spec.servers.0.port', { name: 'https', number: 443, protocol: 'HTTPS' }), 'spec.servers.0.tls', {
    mode: 'SIMPLE',
  }),
  'spec.servers[0].tls',
);
gwInvalid('selector as a list', mutate(GW, 'spec.selector', ['istio=ingressgateway']), 'spec.selector');
gwInvalid('selector value a number', mutate(GW, 'spec.selector', { istio: 1 }), 'spec.selector.istio');
gwInvalid('bind not an IP', mutate(GW, 'spec.servers.0.bind', 'not-an-ip'), 'spec.servers[0].bind');
gwInvalid(
  'targetPort set',
  mutate(GW, 'spec.servers.0.port', { name: 'http', number: 80, protocol: 'HTTP', targetPort: 8080 }),
  'spec.servers[0].port.targetPort',
);
gwInvalid('name with a dot', mutate(GW, 'metadata.name', 'simple.gw'), 'metadata.name');

// ---- DestinationRules, Services, Deployments ----
const withInvalid = (name: string, obj: Obj, field: string) => invalid(name, VS, field, [GW, obj]);
withInvalid('DestinationRule without host', mutate(DR, 'spec.host', undefined), 'spec');
withInvalid('DestinationRule host a number', mutate(DR, 'spec.host', 123), 'spec.host');
withInvalid(
  'DestinationRule duplicate subsets',
  mutate(DR, 'spec.subsets', [{ name: 'v1' }, { name: 'v1' }]),
  'spec.subsets[1].name',
);
withInvalid(
  'DestinationRule subset name invalid',
  mutate(DR, 'spec.subsets', [{ name: 'v_1' }]),
  'spec.subsets[0].name',
);
withInvalid(
  'DestinationRule subset without name',
  mutate(DR, 'spec.subsets', [{ labels: { a: 'b' } }]),
  'spec.subsets[0]',
);
withInvalid(
  'DestinationRule load balancer FOO',
  mutate(DR, 'spec.trafficPolicy', { loadBalancer: { simple: 'FOO' } }),
  'spec.trafficPolicy.loadBalancer.simple',
);
withInvalid(
  'DestinationRule two hash keys',
  mutate(DR, 'spec.trafficPolicy', { loadBalancer: { consistentHash: { httpHeaderName: 'x', useSourceIp: true } } }),
  'spec.trafficPolicy.loadBalancer.consistentHash',
);
withInvalid(
  'DestinationRule simple and consistentHash',
  mutate(DR, 'spec.trafficPolicy', { loadBalancer: { simple: 'ROUND_ROBIN', consistentHash: { useSourceIp: true } } }),
  'spec.trafficPolicy.loadBalancer',
);
withInvalid(
  'DestinationRule port level 99999',
  mutate(DR, 'spec.trafficPolicy', { portLevelSettings: [{ port: { number: 99999 } }] }),
  'spec.trafficPolicy.portLevelSettings[0].port.number',
);
withInvalid(
  'DestinationRule subset labels a list',
  mutate(DR, 'spec.subsets', [{ name: 'v1', labels: ['a'] }]),
  'spec.subsets[0].labels',
);
withInvalid('Service port "80"', mutate(SVC, 'spec.ports', [{ port: '80' }]), 'spec.ports[0].port');
withInvalid('Service port 99999', mutate(SVC, 'spec.ports', [{ port: 99999 }]), 'spec.ports[0].port');
withInvalid('Service ports as a map', mutate(SVC, 'spec.ports', { http: 80 }), 'spec.ports');
withInvalid('Service port missing', mutate(SVC, 'spec.ports', [{ name: 'http' }]), 'spec.ports[0]');
withInvalid('Service selector value a number', mutate(SVC, 'spec.selector', { app: 1 }), 'spec.selector.app');
withInvalid('Service type Foo', mutate(SVC, 'spec.type', 'Foo'), 'spec.type');
withInvalid(
  'Deployment containerPort "80"',
  mutate(DEPLOY, 'spec.template.spec.containers.0.ports', [{ containerPort: '80' }]),
  'containerPort',
);
withInvalid(
  'Deployment labels as a list',
  mutate(DEPLOY, 'spec.template.metadata.labels', ['app=nginx']),
  'spec.template.metadata.labels',
);
withInvalid('Deployment replicas -1', mutate(DEPLOY, 'spec.replicas', -1), 'spec.replicas');

// ---- files a user's tools write: all read, routes predicted ----
const valid = docs(VS, GW, SVC, DEPLOY, DR);
const predictOk = (name: string, content: string | Buffer, stdoutHas = 'simple.baihl.io') =>
  cases.push({
    name: `predict: ${name}`,
    files: { 'in.yaml': content },
    argv: ['predict', 'in.yaml'],
    expect: 'ok',
    stdoutHas,
  });
predictOk('plain multi-document YAML', valid);
predictOk('CRLF line ends', valid.replace(/\n/g, '\r\n'));
predictOk('UTF-8 BOM', `\ufeff${valid}`);
predictOk('UTF-16 LE with BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(valid, 'utf16le')]));
predictOk('UTF-16 BE with BOM', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(valid, 'utf16le').swap16()]));
predictOk('UTF-16 LE without BOM', Buffer.from(valid, 'utf16le'));
predictOk(
  'Helm output (# Source comments, empty documents)',
  `---\n# Source: chart/templates/vs.yaml\n${stringify(VS)}---\n# Source: chart/templates/empty.yaml\n---\n# Source: chart/templates/gw.yaml\n${stringify(GW)}`,
);
predictOk('kustomize output (no leading ---, sorted kinds)', docs(SVC, DEPLOY, DR, GW, VS));
predictOk(
  'kubectl get -o yaml List',
  stringify({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items: [VS, GW, SVC] }),
);
predictOk(
  'kubectl get -o yaml VirtualServiceList-style List',
  stringify({ apiVersion: 'v1', kind: 'List', items: [mutate(VS, 'metadata.resourceVersion', '123'), GW] }),
);
predictOk('multi-document with Secrets', docs(SECRET, VS, SECRET, GW));
predictOk(
  'Secret with a PEM block scalar',
  `${stringify(VS)}---\napiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n  tls.crt: |\n    -----BEGIN CERTIFICATE-----\n    ---\n    -----END CERTIFICATE-----\n---\n${stringify(GW)}`,
);
predictOk(
  'weights 150 and 50 (Istio normalises them)',
  docs(
    mutate(VS, 'spec.http.1.route', [
      { destination: { host: 'a' }, weight: 150 },
      { destination: { host: 'b' }, weight: 50 },
    ]),
    GW,
  ),
);
predictOk('uri regex RE2 accepts', docs(mutate(VS, 'spec.http.0.match', [{ uri: { regex: '/(?P<id>[0-9]+)' } }]), GW));
predictOk(
  'hosts with upper case (Istio accepts them)',
  docs(mutate(VS, 'spec.hosts', ['Simple.Baihl.io']), mutate(GW, 'spec.servers.0.hosts', ['Simple.Baihl.io'])),
  'http.8080',
);
predictOk(
  'non-Istio kinds alongside (ConfigMap, CRD, Namespace)',
  `apiVersion: v1\nkind: Namespace\nmetadata: {name: simple}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: "1"}\n---\n${valid}`,
);
predictOk(
  'tabs inside a block scalar',
  `${valid}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  a: |\n    x\ty\n`,
);

// ---- hostile files: refused cleanly or read, never an internal error or a hang ----
const anyCase = (
  name: string,
  files: Case['files'],
  argv: string[],
  expect: Case['expect'] = 'refused',
  field?: string,
) => cases.push({ name, files, argv, expect, field });
for (const cmd of ['predict', 'analyze']) {
  anyCase(`${cmd}: a FIFO given as a file`, { 'in.yaml': { fifo: true } }, [cmd, 'in.yaml'], 'refused', 'FIFO');
  anyCase(`${cmd}: /dev/zero`, {}, [cmd, '/dev/zero'], 'refused', 'device');
  anyCase(`${cmd}: /dev/null`, {}, [cmd, '/dev/null'], 'refused', 'device');
  anyCase(`${cmd}: a directory`, { 'd/x.yaml': valid }, [cmd, 'd'], 'refused', 'directory');
  anyCase(`${cmd}: a missing file`, {}, [cmd, 'nope.yaml'], 'refused', 'no such file');
  anyCase(
    `${cmd}: a symbolic link loop`,
    { 'a.yaml': { symlink: 'b.yaml' }, 'b.yaml': { symlink: 'a.yaml' } },
    [cmd, 'a.yaml'],
    'refused',
  );
  anyCase(
    `${cmd}: binary data (NUL bytes)`,
    { 'in.yaml': Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, ...Buffer.alloc(4000, 0xaa)]) },
    [cmd, 'in.yaml'],
    'refused',
    'binary',
  );
  anyCase(
    `${cmd}: invalid UTF-8`,
    { 'in.yaml': Buffer.from([0x61, 0x3a, 0x20, 0xc3, 0x28, 0xff, 0xfe, 0x0a]) },
    [cmd, 'in.yaml'],
    'refused',
    'binary',
  );
  anyCase(
    `${cmd}: YAML nested 10,000 levels`,
    { 'in.yaml': `${'['.repeat(10000)}${']'.repeat(10000)}\n` },
    [cmd, 'in.yaml'],
    'any',
  );
  anyCase(
    `${cmd}: block YAML nested 3,000 levels`,
    { 'in.yaml': Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i)}a:`).join('\n') + ' 1\n' },
    [cmd, 'in.yaml'],
    'any',
  );
  anyCase(
    `${cmd}: alias bomb`,
    {
      'in.yaml': `a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n`,
    },
    [cmd, 'in.yaml'],
    'refused',
    'alias',
  );
  anyCase(
    `${cmd}: broken YAML`,
    { 'in.yaml': 'kind: VirtualService\n  metadata: [\n' },
    [cmd, 'in.yaml'],
    'refused',
    'in.yaml:',
  );
  anyCase(
    `${cmd}: tab indentation`,
    { 'in.yaml': 'kind: Gateway\nmetadata:\n\tname: x\n' },
    [cmd, 'in.yaml'],
    'refused',
    'in.yaml:',
  );
  anyCase(
    `${cmd}: non-breaking space indentation`,
    { 'in.yaml': 'kind: Gateway\nmetadata:\n\u00a0 name: x\n' },
    [cmd, 'in.yaml'],
    'refused',
    'non-breaking',
  );
  anyCase(`${cmd}: empty file`, { 'in.yaml': '' }, [cmd, 'in.yaml'], 'any');
  anyCase(`${cmd}: only comments and ---`, { 'in.yaml': '# nothing\n---\n---\n' }, [cmd, 'in.yaml'], 'any');
  anyCase(`${cmd}: a JSON object instead of YAML`, { 'in.json': JSON.stringify(VS) + '\n' }, [cmd, 'in.json'], 'any');
  anyCase(`${cmd}: a scalar document`, { 'in.yaml': 'hello\n' }, [cmd, 'in.yaml'], 'any');
  anyCase(`${cmd}: a top-level list`, { 'in.yaml': '- a\n- b\n' }, [cmd, 'in.yaml'], 'any');
  anyCase(
    `${cmd}: Helm template not rendered`,
    {
      'in.yaml': `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  hosts:\n  - {{ .Values.host }}\n`,
    },
    [cmd, 'in.yaml'],
    'refused',
    'in.yaml:',
  );
  anyCase(
    `${cmd}: kind without apiVersion`,
    { 'in.yaml': stringify(mutate(VS, 'apiVersion', undefined)) },
    [cmd, 'in.yaml'],
    'any',
  );
  anyCase(
    `${cmd}: metadata as a string`,
    { 'in.yaml': stringify(mutate(VS, 'metadata', 'hello')) },
    [cmd, 'in.yaml'],
    'refused',
    'metadata.name',
  );
  anyCase(
    `${cmd}: List with items as a map`,
    { 'in.yaml': stringify({ apiVersion: 'v1', kind: 'List', items: { a: VS } }) },
    [cmd, 'in.yaml'],
    'any',
  );
  anyCase(
    `${cmd}: List with an invalid item`,
    { 'in.yaml': stringify({ apiVersion: 'v1', kind: 'List', items: [mutate(VS, 'spec.hosts', [123]), GW] }) },
    [cmd, 'in.yaml'],
    cmd === 'analyze' ? 'reported' : 'refused',
    'items[0].spec.hosts[0]',
  );
  anyCase(
    `${cmd}: a 100k-line single scalar`,
    { 'in.yaml': `a: |\n${'  x\n'.repeat(100000)}` },
    [cmd, 'in.yaml'],
    'any',
  );
}

// ---- trace and the Envoy tables with odd dumps ----
const traceArgs = (path: string, ...more: string[]) => [
  'trace',
  '--host',
  'simple.baihl.io',
  '--path',
  path,
  ...more,
  'in.yaml',
];
cases.push({
  name: 'trace: regex (a+)+$ against 40 a',
  files: { 'in.yaml': docs(mutate(VS, 'spec.http.0.match', [{ uri: { regex: '(a+)+$' } }]), GW) },
  argv: traceArgs(`/${'a'.repeat(40)}b`),
  expect: 'ok',
});
cases.push({
  name: 'trace: regex (a+)+$ matched',
  files: { 'in.yaml': docs(mutate(VS, 'spec.http.0.match', [{ uri: { regex: '/(a+)+' } }]), GW) },
  argv: traceArgs(`/${'a'.repeat(40)}`),
  expect: 'ok',
  stdoutHas: 'nginx',
});
cases.push({
  name: 'trace: a 100 KB path',
  files: { 'in.yaml': valid },
  argv: traceArgs(`/${'a'.repeat(100_000)}`),
  expect: 'refused',
  field: '431',
});
cases.push({
  name: 'trace: a path without /',
  files: { 'in.yaml': valid },
  argv: traceArgs('x'.repeat(5000)),
  expect: 'refused',
  field: '--path',
});
cases.push({
  name: 'trace: a route config dump given as --clusters',
  files: { 'in.yaml': valid, 'c.json': '{"configs": []}' },
  argv: traceArgs('/simple/nginx', '--clusters', 'c.json'),
  expect: 'any',
});
cases.push({
  name: 'trace: /clusters given as --config-dump',
  files: { 'in.yaml': valid, 'c.json': '{"cluster_statuses": []}' },
  argv: traceArgs('/simple/nginx', '--config-dump', 'c.json'),
  expect: 'refused',
  field: 'c.json',
});

const rc = (vh: unknown) =>
  JSON.stringify({
    configs: [
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.RoutesConfigDump',
        dynamic_route_configs: [{ route_config: { name: 'http.8080', virtual_hosts: vh } }],
      },
    ],
  });
const dumps: Record<string, string> = {
  'truncated JSON': '{"configs": [{"@type": "type.googleapis',
  'JSON nested 10,000 levels': `${'['.repeat(10000)}${']'.repeat(10000)}`,
  'a number': '42',
  'a string': '"hello"',
  null: 'null',
  'configs a string': '{"configs": "x"}',
  'configs numbers': '{"configs": [1, 2, null]}',
  'dynamic_route_configs a string':
    '{"configs": [{"@type": "type.googleapis.com/envoy.admin.v3.RoutesConfigDump", "dynamic_route_configs": "x"}]}',
  'route_config null':
    '{"configs": [{"@type": "type.googleapis.com/envoy.admin.v3.RoutesConfigDump", "dynamic_route_configs": [{"route_config": null}]}]}',
  'virtual_hosts a map': rc({ a: { name: 'x' } }),
  'virtual host domains a string': rc([{ name: 'vh', domains: 'bookinfo.example.com', routes: [] }]),
  'virtual host domains numbers': rc([{ name: 'vh', domains: [1, 2], routes: [] }]),
  'routes a map': rc([{ name: 'vh', domains: ['*'], routes: { a: 1 } }]),
  'route null': rc([{ name: 'vh', domains: ['*'], routes: [null] }]),
  'route match a string': rc([{ name: 'vh', domains: ['*'], routes: [{ match: '/x', route: { cluster: 'c' } }] }]),
  'route with a backtracking regex': rc([
    { name: 'vh', domains: ['*'], routes: [{ match: { safe_regex: { regex: '(a+)+$' } }, route: { cluster: 'c' } }] },
  ]),
  'headers a map': rc([
    { name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/', headers: { a: 1 } }, route: { cluster: 'c' } }] },
  ]),
  'listeners wrong types':
    '{"configs": [{"@type": "type.googleapis.com/envoy.admin.v3.ListenersConfigDump", "dynamic_listeners": [{"name": 5, "active_state": {"listener": {"address": "x", "filter_chains": {"a": 1}}}}]}]}',
  'clusters wrong types':
    '{"configs": [{"@type": "type.googleapis.com/envoy.admin.v3.ClustersConfigDump", "dynamic_active_clusters": [{"cluster": {"name": ["x"], "type": 3}}, null]}]}',
  'endpoints wrong types':
    '{"configs": [{"@type": "type.googleapis.com/envoy.admin.v3.EndpointsConfigDump", "dynamic_endpoint_configs": [{"endpoint_config": {"cluster_name": 1, "endpoints": "x"}}]}]}',
  'a binary file': '\u0000\u0001\u0002',
  empty: '',
};
for (const [name, json] of Object.entries(dumps)) {
  for (const cmd of ['routes', 'listeners', 'clusters'])
    anyCase(`${cmd}: dump ${name}`, { 'd.json': json }, [cmd, '--config-dump', 'd.json'], 'any');
  cases.push({
    name: `trace: dump ${name}`,
    files: { 'in.yaml': valid, 'd.json': json },
    argv: traceArgs('/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab', '--config-dump', 'd.json'),
    expect: 'any',
  });
}
const clustersJson: Record<string, string> = {
  'healthStatus null':
    '{"cluster_statuses": [{"name": "c", "host_statuses": [{"address": {"socket_address": {"address": "10.0.0.1", "port_value": 80}}, "health_status": null}]}]}',
  'host_statuses a string': '{"cluster_statuses": [{"name": "c", "host_statuses": "x"}]}',
  'cluster_statuses numbers': '{"cluster_statuses": [1, null]}',
  'address wrong types': '{"cluster_statuses": [{"name": "c", "host_statuses": [{"address": "x"}]}]}',
};
for (const [name, json] of Object.entries(clustersJson)) {
  anyCase(
    `endpoints: /clusters ${name}`,
    { 'c.json': json },
    ['endpoints', '--clusters', 'c.json', '--port', '8080'],
    'any',
  );
  cases.push({
    name: `trace: /clusters ${name}`,
    files: { 'in.yaml': valid, 'c.json': json },
    argv: traceArgs('/simple/nginx', '--clusters', 'c.json'),
    expect: 'any',
  });
}

const root = mkdtempSync(join(tmpdir(), 'ingress-lab-hostile-'));
after(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
const outcome = { internal: 0, silent: 0 };
for (const c of cases) {
  test(c.name, { timeout: 20_000 }, async () => {
    const dir = join(root, String(n++));
    mkdirSync(dir);
    for (const [name, content] of Object.entries(c.files)) {
      const p = join(dir, name);
      mkdirSync(join(p, '..'), { recursive: true });
      if (typeof content === 'string' || Buffer.isBuffer(content)) writeFileSync(p, content);
      else if ('fifo' in content) execFileSync('mkfifo', [p]);
      else symlinkSync(join(dir, content.symlink), p);
    }
    const argv = c.argv.map((a) =>
      c.files[a] !== undefined || /^[\w.]+\.(ya?ml|json)$/.test(a) || a === 'd' ? join(dir, a) : a,
    );
    let stdout = '';
    let stderr = '';
    const code = await main(argv, {
      stdout: (t) => void (stdout += t),
      stderr: (t) => void (stderr += t),
      readFile: (p) => readTextFile(p),
    });
    if (/internal error/.test(stderr)) outcome.internal++;
    assert.doesNotMatch(stderr, /internal error/, `no internal error: ${stderr}`);
    for (const line of stderr.split('\n')) {
      assert.ok(line.length <= 1200, `a stderr line of ${line.length} characters`);
      assert.doesNotMatch(line, /[^\P{Cc}\t\n]/u, 'no control characters echoed');
    }
    assert.ok([0, 1, 2].includes(code), `exit code ${code}`);
    if (c.expect === 'refused') {
      if (code !== 2) outcome.silent++;
      assert.equal(code, 2, `refused with exit 2; stdout: ${stdout.slice(0, 300)} stderr: ${stderr}`);
      assert.match(stderr, /^ingress-lab: /, 'one line starting with ingress-lab:');
      assert.equal(stderr.trim().split('\n').length, 1, `one line: ${stderr}`);
      if (c.field) assert.ok(stderr.includes(c.field), `names ${c.field}: ${stderr}`);
      if (c.files['in.yaml'] !== undefined && typeof c.files['in.yaml'] === 'string' && c.field?.startsWith('spec'))
        assert.match(stderr, /in\.yaml:\d+:\d+: /, 'names file, line and column');
    } else if (c.expect === 'reported') {
      if (code !== 1) outcome.silent++;
      assert.equal(code, 1, `reported with exit 1; stdout: ${stdout.slice(0, 300)} stderr: ${stderr}`);
      const line = stdout.split('\n').find((l) => l.startsWith('Error [IST0106] '));
      assert.ok(line, `an IST0106 line: ${stdout.slice(0, 500)}`);
      assert.match(line, /^Error \[IST0106\] \(\w+ .+\/.+ .*in\.yaml:\d+\) Schema validation error: /);
      if (c.field) assert.ok(line.includes(c.field), `names ${c.field}: ${line}`);
    } else if (c.expect === 'ok') {
      assert.equal(code, 0, `read and predicted: ${stderr}`);
      if (c.stdoutHas)
        assert.ok(stdout.includes(c.stdoutHas), `stdout has ${c.stdoutHas}: ${stdout.slice(0, 500)} ${stderr}`);
    }
  });
}

test(`the battery holds at least 150 hostile inputs (${cases.length})`, () => {
  assert.ok(cases.length >= 150, `${cases.length} cases`);
});
