// One case per translation rule of Istio's gateway.go and route.go (pilot/pkg/networking/core).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gateway, httpServer, predictTexts, service, virtualService } from './helpers/istioYaml';
import { clusterNamespaces } from '../../src/istio/hosts';

const GW = gateway('gw', httpServer(['app.example.com']));
const routeOf = (vsBody: string, extra: Record<string, string> = {}) => {
  const p = predictTexts({ 'gw.yaml': GW, 'vs.yaml': virtualService('app', vsBody), ...extra });
  assert.equal(p.routes.length, 1, JSON.stringify(p.notOnGateway));
  return p.routes[0]!;
};
const vsWith = (http: string) => `  hosts: [app.example.com]\n  gateways: [gw]\n  http:\n${http}`;

describe('where the route lands', () => {
  test('no gateway Service in the inputs: Istio default ingress 80 -> 8080', () => {
    const r = routeOf(vsWith('  - route: [{destination: {host: app}}]\n'));
    assert.equal(r.listener, '0.0.0.0_8080');
    assert.equal(r.routeConfig, 'http.8080');
    assert.equal(r.virtualHost, 'app.example.com:80');
  });

  test('a gateway Service in the inputs decides the targetPort', () => {
    const svc = `apiVersion: v1
kind: Service
metadata: {name: my-gw, namespace: gw-ns}
spec:
  type: LoadBalancer
  selector: {istio: ingressgateway, app: my-gw}
  ports:
  - {name: http, port: 80, targetPort: 9090}
`;
    const r = routeOf(vsWith('  - route: [{destination: {host: app}}]\n'), { 'svc.yaml': svc });
    assert.equal(r.listener, '0.0.0.0_9090');
    assert.equal(r.routeConfig, 'http.9090');
  });

  test('a server port that the Service lacks is used as it is', () => {
    const p = predictTexts({
      'gw.yaml': gateway('gw', httpServer(['app.example.com'], 8000)),
      'vs.yaml': virtualService('app', vsWith('  - route: [{destination: {host: app}}]\n')),
    });
    assert.equal(p.routes[0]!.routeConfig, 'http.8000');
    assert.equal(p.routes[0]!.virtualHost, 'app.example.com:8000');
  });

  test('HTTPS terminated: https.<port>.<portName>.<gateway>.<namespace>', () => {
    const servers = `  - port: {number: 443, name: https-app, protocol: HTTPS}
    hosts: [app.example.com]
    tls: {mode: SIMPLE, credentialName: app-cert}
`;
    const p = predictTexts({
      'gw.yaml': gateway('gw', servers, 'edge'),
      'vs.yaml': virtualService(
        'app',
        `  hosts: [app.example.com]\n  gateways: [edge/gw]\n  http:\n  - route: [{destination: {host: app}}]\n`,
      ),
    });
    assert.equal(p.routes[0]!.routeConfig, 'https.443.https-app.gw.edge');
    assert.equal(p.routes[0]!.listener, '0.0.0.0_8443');
  });

  test('virtual host is the more specific host of server x VirtualService, lower-cased', () => {
    const p = predictTexts({
      'gw.yaml': gateway('gw', httpServer(['*.Example.com'])),
      'vs.yaml': virtualService(
        'app',
        `  hosts: [Shop.Example.com]\n  gateways: [gw]\n  http:\n  - route: [{destination: {host: app}}]\n`,
      ),
    });
    assert.equal(p.routes[0]!.virtualHost, 'shop.example.com:80');
    assert.deepEqual(p.routes[0]!.domains, ['shop.example.com']);
  });

  test('route collapse: hosts with the same routes share one virtual host named after the first host', () => {
    const p = predictTexts({
      'gw.yaml': gateway('gw', httpServer(['*'])),
      'vs.yaml': virtualService(
        'app',
        `  hosts: [b.example.com, a.example.com]\n  gateways: [gw]\n  http:\n  - route: [{destination: {host: app}}]\n`,
      ),
    });
    const vhosts = p.routeConfigs[0]!.virtualHosts!;
    assert.equal(vhosts.length, 1);
    assert.equal(vhosts[0]!.name, 'a.example.com:80');
    assert.deepEqual(vhosts[0]!.domains, ['a.example.com', 'b.example.com']);
  });

  test('nothing bound: a blackhole:<port> virtual host with domain * and no routes', () => {
    const p = predictTexts({ 'gw.yaml': GW });
    assert.deepEqual(p.routeConfigs[0]!.virtualHosts, [{ name: 'blackhole:80', domains: ['*'] }]);
  });

  test('virtual hosts are sorted by name', () => {
    const p = predictTexts({
      'gw.yaml': gateway('gw', httpServer(['*'])),
      'vs1.yaml': virtualService(
        'z',
        `  hosts: [z.example.com]\n  gateways: [gw]\n  http:\n  - route: [{destination: {host: z}}]\n`,
      ),
      'vs2.yaml': virtualService(
        'a',
        `  hosts: [a.example.com]\n  gateways: [gw]\n  http:\n  - route: [{destination: {host: a}}]\n`,
      ),
    });
    assert.deepEqual(
      p.routeConfigs[0]!.virtualHosts!.map((v) => v.name),
      ['a.example.com:80', 'z.example.com:80'],
    );
  });
});

describe('clusters', () => {
  test('short destination host resolves in the VirtualService namespace; subset goes in the name', () => {
    const r = routeOf(vsWith('  - route: [{destination: {host: reviews, subset: v2, port: {number: 9080}}}]\n'));
    assert.equal(r.route.route?.cluster, 'outbound|9080|v2|reviews.default.svc.cluster.local');
  });

  test('port omitted: the Service only port', () => {
    const r = routeOf(vsWith('  - route: [{destination: {host: app}}]\n'), {
      'svc.yaml': service('app', 'default', [9000]),
    });
    assert.equal(r.route.route?.cluster, 'outbound|9000||app.default.svc.cluster.local');
  });

  test('port omitted and the Service has several ports: the Gateway server port', () => {
    const r = routeOf(vsWith('  - route: [{destination: {host: app}}]\n'), {
      'svc.yaml': service('app', 'default', [9000, 9001]),
    });
    assert.equal(r.route.route?.cluster, 'outbound|80||app.default.svc.cluster.local');
  });

  test('port omitted and no Service: still the server port (Envoy will answer 503 NC)', () => {
    const r = routeOf(vsWith('  - route: [{destination: {host: ghost.other.svc.cluster.local}}]\n'));
    assert.equal(r.route.route?.cluster, 'outbound|80||ghost.other.svc.cluster.local');
  });

  test('several destinations: weighted clusters, weight-0 entries dropped; decorator names the VirtualService', () => {
    const r = routeOf(
      vsWith(`  - route:
    - {destination: {host: app, subset: v1}, weight: 90}
    - {destination: {host: app, subset: v2}, weight: 10}
    - {destination: {host: app, subset: v3}, weight: 0}
`),
    );
    assert.deepEqual(r.route.route?.weightedClusters, {
      clusters: [
        { name: 'outbound|80|v1|app.default.svc.cluster.local', weight: 90 },
        { name: 'outbound|80|v2|app.default.svc.cluster.local', weight: 10 },
      ],
    });
    assert.equal(r.route.decorator?.operation, 'app:80/*');
  });
});

describe('matches', () => {
  test('exact -> path, prefix -> prefix, regex -> safeRegex, each case sensitive', () => {
    const p = predictTexts({
      'gw.yaml': GW,
      'vs.yaml': virtualService(
        'app',
        vsWith(`  - match:
    - uri: {exact: /a}
    - uri: {prefix: /b}
    - uri: {regex: "/c/[0-9]+"}
    route: [{destination: {host: app}}]
`),
      ),
    });
    assert.deepEqual(
      p.routes.map((r) => r.route.match),
      [
        { path: '/a', caseSensitive: true },
        { prefix: '/b', caseSensitive: true },
        { safeRegex: { regex: '/c/[0-9]+' }, caseSensitive: true },
      ],
    );
    assert.deepEqual(
      p.routes.map((r) => r.route.decorator?.operation),
      [
        'app.default.svc.cluster.local:80/a',
        'app.default.svc.cluster.local:80/b*',
        'app.default.svc.cluster.local:80/c/[0-9]+',
      ],
    );
  });

  test('no match at all: prefix / without caseSensitive; line of the http entry', () => {
    const r = routeOf(vsWith('  - route: [{destination: {host: app}}]\n'));
    assert.deepEqual(r.route.match, { prefix: '/' });
    assert.equal(r.match, null);
    assert.equal(r.line, 10);
  });

  test('ignoreUriCase -> caseSensitive false', () => {
    const r = routeOf(
      vsWith('  - match: [{uri: {prefix: /A}, ignoreUriCase: true}]\n    route: [{destination: {host: app}}]\n'),
    );
    assert.equal(r.route.match.caseSensitive, false);
  });

  test('headers sorted by name; regex * is a present match; withoutHeaders inverts', () => {
    const r = routeOf(
      vsWith(`  - match:
    - headers:
        x-zone: {exact: eu}
        x-canary: {regex: "*"}
        x-beta: {prefix: "1"}
      withoutHeaders:
        x-debug: {exact: "on"}
    route: [{destination: {host: app}}]
`),
    );
    assert.deepEqual(r.route.match.headers, [
      { name: 'x-beta', stringMatch: { prefix: '1' } },
      { name: 'x-canary', presentMatch: true },
      { name: 'x-debug', stringMatch: { exact: 'on' }, invertMatch: true, treatMissingHeaderAsEmpty: true },
      { name: 'x-zone', stringMatch: { exact: 'eu' } },
    ]);
  });

  test('method, authority and scheme become pseudo-header matchers after the sorted headers', () => {
    const r = routeOf(
      vsWith(`  - match:
    - method: {exact: POST}
      authority: {prefix: api.}
      scheme: {exact: https}
      headers: {a: {exact: "1"}}
    route: [{destination: {host: app}}]
`),
    );
    assert.deepEqual(
      r.route.match.headers!.map((h) => h.name),
      ['a', ':method', ':authority', ':scheme'],
    );
  });

  test('queryParams -> queryParameters', () => {
    const r = routeOf(
      vsWith('  - match: [{queryParams: {v: {exact: "2"}, debug: {}}}]\n    route: [{destination: {host: app}}]\n'),
    );
    assert.deepEqual(r.route.match.queryParameters, [
      { name: 'debug', presentMatch: true },
      { name: 'v', stringMatch: { exact: '2' } },
    ]);
  });

  test('match.port other than the server port: no route, and the reason', () => {
    const p = predictTexts({
      'gw.yaml': GW,
      'vs.yaml': virtualService(
        'app',
        vsWith(
          '  - match: [{port: 8080, uri: {prefix: /x}}, {uri: {prefix: /y}}]\n    route: [{destination: {host: app}}]\n',
        ),
      ),
    });
    assert.deepEqual(
      p.routes.map((r) => r.route.match.prefix),
      ['/y'],
    );
    assert.equal(p.notOnGateway.length, 1);
    assert.match(p.notOnGateway[0]!.reason, /match\.port 8080 is not the Gateway server port 80/);
  });

  test('match.gateways that does not name this gateway: no route', () => {
    const p = predictTexts({
      'gw.yaml': GW,
      'vs.yaml': virtualService(
        'app',
        vsWith(
          '  - match: [{gateways: [mesh], uri: {prefix: /x}}, {gateways: [gw], uri: {prefix: /y}}]\n    route: [{destination: {host: app}}]\n',
        ),
      ),
    });
    assert.deepEqual(
      p.routes.map((r) => r.route.match.prefix),
      ['/y'],
    );
    assert.match(p.notOnGateway[0]!.reason, /match\.gateways \[mesh\] does not name default\/gw/);
  });

  test('route name is http[].name, plus .<match name>', () => {
    const r = routeOf(
      vsWith('  - name: api\n    match: [{name: v1, uri: {prefix: /v1}}]\n    route: [{destination: {host: app}}]\n'),
    );
    assert.equal(r.route.name, 'api.v1');
  });
});

describe('actions', () => {
  test('rewrite.uri -> prefixRewrite; rewrite.authority -> hostRewriteLiteral', () => {
    const r = routeOf(
      vsWith(
        '  - match: [{uri: {prefix: /api}}]\n    rewrite: {uri: /, authority: backend.local}\n    route: [{destination: {host: app}}]\n',
      ),
    );
    assert.equal(r.route.route?.prefixRewrite, '/');
    assert.equal(r.route.route?.hostRewriteLiteral, 'backend.local');
  });

  test('uriRegexRewrite wins over uri', () => {
    const r = routeOf(
      vsWith(
        '  - match: [{uri: {prefix: /api}}]\n    rewrite: {uri: /ignored, uriRegexRewrite: {match: "^/api/(.*)", rewrite: "/\\\\1"}}\n    route: [{destination: {host: app}}]\n',
      ),
    );
    assert.deepEqual(r.route.route?.regexRewrite, { pattern: { regex: '^/api/(.*)' }, substitution: '/\\1' });
    assert.equal(r.route.route?.prefixRewrite, undefined);
  });

  test('redirect: 301 is the default and omitted; 302 is FOUND; no route action', () => {
    const p = predictTexts({
      'gw.yaml': GW,
      'vs.yaml': virtualService(
        'app',
        vsWith(
          '  - match: [{uri: {exact: /old}}]\n    redirect: {uri: /new}\n  - match: [{uri: {exact: /tmp}}]\n    redirect: {authority: other.example.com, redirectCode: 302}\n',
        ),
      ),
    });
    assert.deepEqual(p.routes[0]!.route.redirect, { pathRedirect: '/new' });
    // pathRedirect is a oneof member: protojson prints it even when empty (Istio's output agrees)
    assert.deepEqual(p.routes[1]!.route.redirect, {
      hostRedirect: 'other.example.com',
      pathRedirect: '',
      responseCode: 'FOUND',
    });
    assert.equal(p.routes[0]!.route.route, undefined);
    assert.equal(p.routes[0]!.route.decorator?.operation, 'app:80/old');
  });

  test('directResponse -> status and inline body', () => {
    const r = routeOf(vsWith('  - directResponse: {status: 418, body: {string: teapot}}\n'));
    assert.deepEqual(r.route.directResponse, { status: 418, body: { inlineString: 'teapot' } });
  });

  test('timeout sets timeout and maxGrpcTimeout (default 0s)', () => {
    const r = routeOf(vsWith('  - timeout: 1.5s\n    route: [{destination: {host: app}}]\n'));
    assert.equal(r.route.route?.timeout, '1.500s');
    assert.equal(r.route.route?.maxGrpcTimeout, '1.500s');
    const d = routeOf(vsWith('  - route: [{destination: {host: app}}]\n'));
    assert.equal(d.route.route?.timeout, '0s');
  });

  test('no retries: mesh default policy; attempts 0: none; retryOn with status codes', () => {
    const d = routeOf(vsWith('  - route: [{destination: {host: app}}]\n'));
    assert.equal(
      d.route.route?.retryPolicy?.retryOn,
      'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
    );
    assert.equal(d.route.route?.retryPolicy?.numRetries, 2);
    const none = routeOf(vsWith('  - retries: {attempts: 0}\n    route: [{destination: {host: app}}]\n'));
    assert.equal(none.route.route?.retryPolicy, undefined);
    const custom = routeOf(
      vsWith(
        '  - retries: {attempts: 3, retryOn: "5xx,503", perTryTimeout: 2s}\n    route: [{destination: {host: app}}]\n',
      ),
    );
    assert.deepEqual(
      { ...custom.route.route?.retryPolicy, retryHostPredicate: undefined },
      {
        retryOn: '5xx,retriable-status-codes',
        numRetries: 3,
        perTryTimeout: '2s',
        retryHostPredicate: undefined,
        hostSelectionRetryMaxAttempts: '5',
        retriableStatusCodes: [503],
      },
    );
  });

  test('headers.request set -> OVERWRITE_IF_EXISTS_OR_ADD, add -> APPEND (omitted), remove kept', () => {
    const r = routeOf(
      vsWith(
        '  - headers: {request: {set: {x-b: "2"}, add: {x-a: "1"}, remove: [x-c]}}\n    route: [{destination: {host: app}}]\n',
      ),
    );
    assert.deepEqual(r.route.requestHeadersToAdd, [
      { header: { key: 'x-b', value: '2' }, appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' },
      { header: { key: 'x-a', value: '1' } },
    ]);
    assert.deepEqual(r.route.requestHeadersToRemove, ['x-c']);
  });

  test('mirror -> requestMirrorPolicies at 100% by default', () => {
    const r = routeOf(vsWith('  - route: [{destination: {host: app}}]\n    mirror: {host: shadow}\n'));
    assert.deepEqual(r.route.route?.requestMirrorPolicies, [
      {
        cluster: 'outbound|80||shadow.default.svc.cluster.local',
        runtimeFraction: { defaultValue: { numerator: 100 } },
        traceSampled: false,
        disableShadowHostSuffixAppend: true,
      },
    ]);
  });
});

describe('ordering and binding', () => {
  test('after a catch-all the rest of the VirtualService is dropped, and says why', () => {
    const p = predictTexts({
      'gw.yaml': GW,
      'vs.yaml': virtualService(
        'app',
        vsWith(
          '  - match: [{uri: {prefix: /}}]\n    route: [{destination: {host: app}}]\n  - match: [{uri: {exact: /never}}]\n    route: [{destination: {host: other}}]\n',
        ),
      ),
    });
    assert.equal(p.routes.length, 1);
    assert.match(p.notOnGateway[0]!.reason, /unreachable: http\[0\]\.match\[0\] before it catches every request/);
  });

  test('VirtualServices order by name when no creation time; catch-alls move to the end of the virtual host', () => {
    const p = predictTexts({
      'gw.yaml': GW,
      'a.yaml': virtualService('a-catchall', vsWith('  - route: [{destination: {host: a}}]\n')),
      'b.yaml': virtualService(
        'b-specific',
        vsWith('  - match: [{uri: {prefix: /b}}]\n    route: [{destination: {host: b}}]\n'),
      ),
    });
    const routes = p.routeConfigs[0]!.virtualHosts![0]!.routes!;
    assert.deepEqual(
      routes.map((r) => r.route?.cluster),
      ['outbound|80||b.default.svc.cluster.local', 'outbound|80||a.default.svc.cluster.local'],
    );
  });

  test('creation time decides the order when present', () => {
    const withTime = (name: string, t: string, prefix: string) =>
      virtualService(
        name,
        vsWith(`  - match: [{uri: {prefix: ${prefix}}}]\n    route: [{destination: {host: ${name}}}]\n`),
      ).replace(`namespace: default`, `namespace: default\n  creationTimestamp: "${t}"`);
    const p = predictTexts({
      'gw.yaml': GW,
      'a.yaml': withTime('aaa', '2024-01-02T00:00:00Z', '/a'),
      'z.yaml': withTime('zzz', '2024-01-01T00:00:00Z', '/z'),
    });
    assert.deepEqual(
      p.routeConfigs[0]!.virtualHosts![0]!.routes!.map((r) => r.match.prefix),
      ['/z', '/a'],
    );
  });

  test('a VirtualService host that no server accepts: no route, and the reason names both sides', () => {
    const p = predictTexts({
      'gw.yaml': GW,
      'vs.yaml': virtualService(
        'app',
        `  hosts: [other.example.com]\n  gateways: [gw]\n  http:\n  - route: [{destination: {host: app}}]\n`,
      ),
    });
    assert.equal(p.routes.length, 0);
    assert.match(
      p.notOnGateway[0]!.reason,
      /no server of Gateway default\/gw accepts other\.example\.com \(servers take app\.example\.com\)/,
    );
  });

  test('no gateways: mesh only', () => {
    const p = predictTexts({
      'gw.yaml': GW,
      'vs.yaml': virtualService(
        'app',
        `  hosts: [app.example.com]\n  http:\n  - route: [{destination: {host: app}}]\n`,
      ),
    });
    assert.match(p.notOnGateway[0]!.reason, /mesh only/);
  });

  test('a Gateway that does not exist', () => {
    const p = predictTexts({
      'vs.yaml': virtualService(
        'app',
        `  hosts: [app.example.com]\n  gateways: [nope]\n  http:\n  - route: [{destination: {host: app}}]\n`,
      ),
    });
    assert.match(p.notOnGateway[0]!.reason, /Gateway default\/nope not found/);
  });

  test('Gateway in another namespace as ns/name; server host ns/ prefix filters VirtualService namespaces', () => {
    const servers = `  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["team-a/*.example.com"]
`;
    const p = predictTexts({
      'gw.yaml': gateway('shared', servers, 'istio-system'),
      'a.yaml': virtualService(
        'a',
        `  hosts: [a.example.com]\n  gateways: [istio-system/shared]\n  http:\n  - route: [{destination: {host: a}}]\n`,
        'team-a',
      ),
      'b.yaml': virtualService(
        'b',
        `  hosts: [b.example.com]\n  gateways: [istio-system/shared]\n  http:\n  - route: [{destination: {host: b}}]\n`,
        'team-b',
      ),
    });
    assert.deepEqual(
      p.routes.map((r) => `${r.virtualService.namespace} ${r.virtualHost} ${r.gateway}`),
      ['team-a a.example.com:80 istio-system/shared'],
    );
    assert.match(p.notOnGateway[0]!.reason, /team-b|servers take nothing/);
  });
});

describe('delegation', () => {
  const root = virtualService(
    'root',
    `  hosts: [app.example.com]\n  gateways: [gw]\n  http:\n  - match: [{uri: {prefix: /api}}]\n    delegate: {name: api}\n`,
  );
  const leaf = virtualService(
    'api',
    `  http:\n  - match: [{uri: {prefix: /api/v1}}]\n    route: [{destination: {host: v1}}]\n  - match: [{uri: {prefix: /other}}]\n    route: [{destination: {host: other}}]\n`,
  );

  test("a delegate's matches merge with the root's; the route points at the delegate's YAML and carries the root's metadata", () => {
    const p = predictTexts({ 'gw.yaml': GW, 'root.yaml': root, 'api.yaml': leaf });
    assert.equal(p.routes.length, 1);
    const r = p.routes[0]!;
    assert.equal(r.file, 'api.yaml');
    assert.deepEqual([r.virtualService.name, r.http, r.match], ['api', 0, 0]);
    assert.equal(r.route.route?.cluster, 'outbound|80||v1.default.svc.cluster.local');
    assert.match(String(r.route.metadata?.filterMetadata?.istio?.config), /virtual-service\/root$/);
    // /other is not under the root's /api: Istio ignores that delegate entry, and we say so
    const other = p.notOnGateway.find((n) => n.virtualService.name === 'api')!;
    assert.deepEqual([other.http, other.match], [1, 0]);
    assert.match(other.reason, /conflicts with the root VirtualService match/);
  });

  test('a delegate no root references is explained', () => {
    const p = predictTexts({ 'gw.yaml': GW, 'api.yaml': leaf });
    assert.match(p.notOnGateway[0]!.reason, /delegate VirtualService.*none here delegates to it/);
  });
});

test('clusterNamespaces: the namespaces of the Services behind outbound cluster names, once each', () => {
  assert.deepEqual(
    clusterNamespaces([
      'outbound|80||simple.simple.svc.cluster.local',
      'outbound|80|v1|nginx.simple.svc.cluster.local',
      'outbound|9080||reviews.bookinfo.svc.cluster.local',
      'outbound|443||api.example.com',
      'inbound|8080||',
      'BlackHoleCluster',
    ]),
    ['simple', 'bookinfo'],
  );
});
