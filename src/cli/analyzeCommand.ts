// `ingress-lab analyze FILE...`: Istio's analyzers for ingress routes, offline, printed as `istioctl analyze`
// prints them; exit code 1 when an error-level message is found.
import { analyze, formatIstioctl, friendlyName, type Diagnostic } from '../istio/analyze';
import { CliInputError, EXIT_OK, parseArgs, runGuarded, type CliIo, type Command } from './args';
import { loadResources } from './predictCommand';
import { DEFAULT_NAMESPACE, type YamlProblem } from '../istio/model';

export const EXIT_ISSUES = 1;

const USAGE = `Usage: ingress-lab analyze FILE... [--namespace NS] [--output log|json] [--assume-complete] [--istio-only]

Runs Istio's analyzers that concern ingress routes on the YAML files, offline, with Istio's codes and
wording (IST0101, IST0106 for an object Istio's validation refuses, IST0112, IST0130, IST0131, IST0132, IST0145, IST0162, IST0165), one line per message as
istioctl analyze prints it. Exit code 1 when an Error-level message is found, 2 for YAML that cannot be read.

  --namespace, -n NS     namespace for objects that name none, as kubectl apply -n (default: default)
  --output, -o FORMAT    log (istioctl's lines, default) or json
  --assume-complete      the files hold every object referenced: report every Gateway, Service, subset
                         and gateway pod not found in them, as istioctl analyze would on a cluster that
                         holds just these objects (istioctl's offline default ingress gateway pod and
                         Service count unless the files define istio-system/istio-ingressgateway).
                         Default: judge a reference only where the files show that kind of object
  --istio-only           only what istioctl analyze itself reports (leave out the lab's extra checks,
                         such as an exact match shadowed by an earlier prefix)
`;

const LEVEL: Record<Diagnostic['severity'], string> = { error: 'Error', warning: 'Warning', info: 'Info' };

/** The JSON shape: istioctl's fields (code, level, message, origin, reference, documentationUrl) plus positions. */
export function diagnosticsJson(list: Diagnostic[]) {
  return list.map((d) => ({
    code: d.code,
    name: d.name,
    level: LEVEL[d.severity],
    message: d.message,
    file: d.file,
    line: d.range.start.line + 1,
    column: d.range.start.character + 1,
    object: d.object,
    origin: friendlyName(d),
    reference: `${d.file}:${d.range.start.line + 1}`,
    documentationUrl: d.docsUrl,
    source: d.source,
    ...(d.fixes?.length ? { fixes: d.fixes.map((f) => f.title) } : {}),
  }));
}

function noIssues(files: string[]): string {
  return files.length > 1
    ? `\u2714 No validation issues found when analyzing:\n  - ${files.join('\n  - ')}\n`
    : `\u2714 No validation issues found when analyzing ${files[0]}.\n`;
}

export const analyzeCommand: Command = {
  name: 'analyze',
  summary: "check YAML with Istio's analyzers for ingress routes (istioctl analyze codes), offline",
  run: (args: string[], io: CliIo) =>
    runGuarded(io, async () => {
      const { options, positionals, help } = parseArgs('analyze', args, {
        namespace: { kind: 'string', alias: 'n' },
        output: { kind: 'string', alias: 'o', choices: ['log', 'json'] },
        'assume-complete': { kind: 'boolean' },
        'istio-only': { kind: 'boolean' },
      });
      if (help) {
        io.stdout(USAGE);
        return EXIT_OK;
      }
      if (!positionals.length) throw new CliInputError('no YAML files given (see ingress-lab analyze --help)');
      const texts = new Map<string, string>();
      const recording: CliIo = {
        ...io,
        readFile: async (p) => {
          const t = await io.readFile(p);
          texts.set(p, t);
          return t;
        },
      };
      // An object Istio refuses is reported as istioctl analyze reports it (IST0106), not refused as input.
      const readProblems: YamlProblem[] = [];
      const resources = await loadResources(
        recording,
        positionals,
        (options.namespace as string | undefined) ?? DEFAULT_NAMESPACE,
        { keepInvalid: true, problems: readProblems },
      );
      let list = analyze(resources, {
        assumeComplete: options['assume-complete'] === true,
        sourceText: (f) => texts.get(f),
        readProblems,
      });
      if (options['istio-only']) list = list.filter((d) => d.source === 'istio');
      if (options.output === 'json') io.stdout(`${JSON.stringify(diagnosticsJson(list), null, 2)}\n`);
      else if (list.length) io.stdout(`${list.map(formatIstioctl).join('\n')}\n`);
      else io.stderr(noIssues(positionals));
      const failed = list.some((d) => d.severity === 'error');
      if (failed && options.output !== 'json') {
        io.stderr(
          `Error: Analyzers found issues when analyzing ${positionals.length > 1 ? 'the files' : positionals[0]}.\nSee https://istio.io/latest/docs/reference/config/analysis for more information about causes and resolutions.\n`,
        );
      }
      return failed ? EXIT_ISSUES : EXIT_OK;
    }),
};
