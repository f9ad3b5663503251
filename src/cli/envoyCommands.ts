// `ingress-lab routes|listeners|clusters|endpoints`: istioctl's proxy-config tables (or JSON) from a saved
// `/config_dump` (and `/clusters?format=json` for live endpoint health).
import { readAdminClusters, type AdminClusters } from '../envoy/adminClusters';
import { ConfigDumpShapeError, readConfigDump, type ConfigDump, type DumpSection } from '../envoy/configDump';
import { secretsTable } from '../envoy/secrets';
import {
  adminEndpointsTable,
  allSummary,
  clustersTable,
  edsEndpointsTable,
  listenerAddress,
  listenersTable,
  listenerPort,
  listenerType,
  NothingToPrintError,
  routesTable,
  sortedRouteConfigs,
} from '../envoy/tables';
import {
  CliInputError,
  EXIT_OK,
  parseArgs,
  readJsonFile,
  runGuarded,
  type CliIo,
  type Command,
  type OptionSpec,
} from './args';

const common: Record<string, OptionSpec> = {
  'config-dump': { kind: 'string', alias: 'f' },
  output: { kind: 'string', alias: 'o', choices: ['table', 'json'] },
};

const SECTION_WORDS: Record<DumpSection, string> = {
  routes: 'route configurations (RoutesConfigDump)',
  listeners: 'listeners (ListenersConfigDump)',
  clusters: 'clusters (ClustersConfigDump)',
  endpoints: 'endpoints (EndpointsConfigDump; take the dump with /config_dump?include_eds)',
  bootstrap: 'bootstrap (BootstrapConfigDump)',
  secrets: 'secrets (SecretsConfigDump)',
};

/** Reads a config dump file; the error names the file when it is unreadable, not JSON or not a dump. */
export async function loadConfigDump(io: CliIo, path: string): Promise<ConfigDump> {
  const json = await readJsonFile(io, path);
  try {
    return readConfigDump(json);
  } catch (e) {
    if (e instanceof ConfigDumpShapeError) throw new CliInputError(`${path}: ${e.message}`);
    throw e;
  }
}

export async function loadAdminClusters(io: CliIo, path: string): Promise<AdminClusters> {
  const json = await readJsonFile(io, path);
  try {
    return readAdminClusters(json);
  } catch (e) {
    if (e instanceof ConfigDumpShapeError) throw new CliInputError(`${path}: ${e.message}`);
    throw e;
  }
}

function requireSection(dump: ConfigDump, section: DumpSection, path: string): void {
  if (!dump.sections.has(section)) throw new CliInputError(`${path} has no ${SECTION_WORDS[section]}`);
}

function tableOrEmpty(path: string, f: () => string): string {
  try {
    return f();
  } catch (e) {
    if (e instanceof NothingToPrintError) throw new CliInputError(`${path}: ${e.message}`);
    throw e;
  }
}

const json = (v: unknown) => JSON.stringify(v, null, 4) + '\n';

interface EnvoyCommandDef {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
  run(o: Record<string, unknown>, dumpPath: string, io: CliIo): Promise<string>;
}

function makeCommand(def: EnvoyCommandDef): Command {
  return {
    name: def.name,
    summary: def.summary,
    run: (args, io) =>
      runGuarded(io, async () => {
        const spec = { ...common, ...def.options };
        const parsed = parseArgs(def.name, args, spec);
        if (parsed.help) {
          io.stdout(def.usage);
          return EXIT_OK;
        }
        if (parsed.positionals.length)
          throw new CliInputError(
            `unexpected argument "${parsed.positionals[0]}" (see ingress-lab ${def.name} --help)`,
          );
        const dumpPath = parsed.options['config-dump'] as string | undefined;
        if (!dumpPath && !(def.name === 'endpoints' && parsed.options.clusters))
          throw new CliInputError(`${def.name} needs --config-dump FILE (the JSON of Envoy's /config_dump)`);
        io.stdout(await def.run(parsed.options, dumpPath ?? '', io));
        return EXIT_OK;
      }),
  };
}

const usage = (name: string, what: string, flags: string) =>
  `Usage: ingress-lab ${name} --config-dump FILE ${flags}[--output table|json]\n\n${what}\n\n` +
  `  --config-dump, -f FILE   Envoy admin /config_dump JSON (raw, or istioctl -o json)\n` +
  `  --output, -o FORMAT      table (default, as istioctl proxy-config prints it) or json\n`;

export const routesCommand = makeCommand({
  name: 'routes',
  summary: 'route table of a config dump, as istioctl proxy-config routes prints it',
  usage:
    usage(
      'routes',
      'Prints NAME, VHOST NAME, DOMAINS, MATCH, VIRTUAL SERVICE for every route.',
      '[--name ROUTE_CONFIG] ',
    ) +
    `  --name NAME              only the route configuration NAME (e.g. http.8080)\n` +
    `  --verbose=false          NAME and VIRTUAL HOSTS count only\n`,
  options: { name: { kind: 'string' }, verbose: { kind: 'boolean' } },
  async run(o, path, io) {
    const dump = await loadConfigDump(io, path);
    requireSection(dump, 'routes', path);
    if (o.output === 'json') {
      const rcs = tableOrEmpty(path, () => JSON.stringify(sortedRouteConfigs(dump)));
      return json((JSON.parse(rcs) as { name?: string }[]).filter((r) => !o.name || r.name === o.name));
    }
    return tableOrEmpty(path, () =>
      routesTable(dump, { name: o.name as string | undefined, verbose: o.verbose !== false }),
    );
  },
});

export const listenersCommand = makeCommand({
  name: 'listeners',
  summary: 'listeners of a config dump, as istioctl proxy-config listeners prints them',
  usage:
    usage(
      'listeners',
      'Prints ADDRESSES, PORT, MATCH, DESTINATION for every filter chain.',
      '[--port N] [--address IP] [--type HTTP|TCP] ',
    ) +
    `  --port N                 only listeners on port N\n  --address IP             only listeners bound to IP\n  --type T                 only listeners of type HTTP, TCP, HTTP+TCP\n` +
    `  --verbose=false          ADDRESSES, PORT and TYPE only\n`,
  options: {
    port: { kind: 'number' },
    address: { kind: 'string' },
    type: { kind: 'string' },
    verbose: { kind: 'boolean' },
  },
  async run(o, path, io) {
    const dump = await loadConfigDump(io, path);
    requireSection(dump, 'listeners', path);
    const filter = {
      port: o.port as number | undefined,
      address: o.address as string | undefined,
      type: o.type as string | undefined,
    };
    if (o.output === 'json') {
      return json(
        dump.listeners
          .map((e) => e.listener)
          .filter(
            (l) =>
              (!filter.port || listenerPort(l) === filter.port) &&
              (!filter.address || listenerAddress(l).toLowerCase() === filter.address.toLowerCase()) &&
              (!filter.type || listenerType(l).toLowerCase() === filter.type.toLowerCase()),
          ),
      );
    }
    return tableOrEmpty(path, () => listenersTable(dump, { ...filter, verbose: o.verbose !== false }));
  },
});

export const clustersCommand = makeCommand({
  name: 'clusters',
  summary: 'clusters of a config dump, as istioctl proxy-config clusters prints them',
  usage:
    usage(
      'clusters',
      'Prints SERVICE FQDN, PORT, SUBSET, DIRECTION, TYPE, DESTINATION RULE.',
      '[--fqdn F] [--port N] [--subset S] [--direction D] ',
    ) +
    `  --fqdn F                 only clusters whose name contains F\n  --port N                 only clusters of port N\n  --subset S               only clusters whose name contains S\n  --direction D            inbound or outbound\n`,
  options: {
    fqdn: { kind: 'string' },
    port: { kind: 'number' },
    subset: { kind: 'string' },
    direction: { kind: 'string' },
  },
  async run(o, path, io) {
    const dump = await loadConfigDump(io, path);
    requireSection(dump, 'clusters', path);
    const filter = {
      fqdn: o.fqdn as string | undefined,
      port: o.port as number | undefined,
      subset: o.subset as string | undefined,
      direction: o.direction as string | undefined,
    };
    if (o.output === 'json') {
      return json(
        dump.clusters
          .map((e) => e.cluster)
          .filter(
            (c) =>
              (!filter.fqdn || c.name.includes(filter.fqdn)) &&
              (!filter.direction || c.name.includes(filter.direction)) &&
              (!filter.subset || c.name.includes(filter.subset)) &&
              (!filter.port || c.name.includes(`|${filter.port}|`)),
          ),
      );
    }
    return tableOrEmpty(path, () => clustersTable(dump, filter));
  },
});

export const endpointsCommand = makeCommand({
  name: 'endpoints',
  summary: "endpoints with health: from --clusters (/clusters?format=json) or the dump's EDS section",
  usage:
    `Usage: ingress-lab endpoints (--clusters FILE | --config-dump FILE) [--port N] [--address IP] [--cluster NAME] [--status S] [--output table|json]\n\n` +
    `With --clusters, prints ENDPOINT, STATUS, OUTLIER CHECK, CLUSTER (istioctl proxy-config endpoints on a live pod);\n` +
    `otherwise NAME, STATUS, LOCALITY, CLUSTER from a /config_dump?include_eds (istioctl proxy-config endpoints --file).\n\n` +
    `  --clusters FILE          Envoy admin /clusters?format=json output\n` +
    `  --config-dump, -f FILE   Envoy admin /config_dump?include_eds JSON\n` +
    `  --port N, --address IP, --cluster NAME, --status HEALTHY|UNHEALTHY|...   filters as in istioctl\n` +
    `  --output, -o FORMAT      table (default) or json\n`,
  options: {
    clusters: { kind: 'string' },
    port: { kind: 'number' },
    address: { kind: 'string' },
    cluster: { kind: 'string' },
    status: { kind: 'string' },
  },
  async run(o, path, io) {
    const filter = {
      port: o.port as number | undefined,
      address: o.address as string | undefined,
      cluster: o.cluster as string | undefined,
      status: o.status as string | undefined,
    };
    if (typeof o.clusters === 'string') {
      const admin = await loadAdminClusters(io, o.clusters);
      if (o.output === 'json')
        return json(
          admin.clusterStatuses.filter((c) => !filter.cluster || c.name.toLowerCase() === filter.cluster.toLowerCase()),
        );
      return adminEndpointsTable(admin, filter);
    }
    const dump = await loadConfigDump(io, path);
    requireSection(dump, 'endpoints', path);
    if (o.output === 'json')
      return json(
        dump.endpoints
          .map((e) => e.assignment)
          .filter((a) => !filter.cluster || a.clusterName.toLowerCase() === filter.cluster.toLowerCase()),
      );
    return edsEndpointsTable(dump, filter);
  },
});

export const allCommand = makeCommand({
  name: 'all',
  summary: 'every section of a config dump, as istioctl proxy-config all prints it',
  usage: usage(
    'all',
    'Prints the bootstrap, cluster, listener, route, secret and endpoint summaries (needs a dump with every section, e.g. /config_dump?include_eds).',
    '',
  ),
  options: {},
  async run(o, path, io) {
    const dump = await loadConfigDump(io, path);
    for (const s of ['bootstrap', 'clusters', 'listeners', 'routes', 'secrets', 'endpoints'] as const)
      requireSection(dump, s, path);
    if (o.output === 'json') return json({ ...dump, sections: [...dump.sections] });
    return tableOrEmpty(path, () => allSummary(dump, (d) => secretsTable(d, { withType: true })));
  },
});

export const envoyCommands: Command[] = [
  routesCommand,
  listenersCommand,
  clustersCommand,
  endpointsCommand,
  allCommand,
];
