// The Go ports (text/tabwriter, sort.Slice) against Go itself: a small stdlib-only Go program formats and
// sorts the same pseudo-random inputs (many ties, slices longer than 12, the Atoi comparator istioctl uses
// for route names), and the TypeScript ports must produce the same bytes and the same orders.
// Skipped when no Go toolchain is on PATH (the cluster harness needs one anyway: test/harness/build.sh).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { goSortSlice } from '../../src/envoy/goSort';
import { goTable } from '../../src/envoy/goTabwriter';

const hasGo = spawnSync('go', ['version'], { encoding: 'utf8' }).status === 0;
const skip = prerequisite(hasGo, 'no go toolchain on PATH');

const GO_PROGRAM = `package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
)

type input struct {
	Tables []struct {
		Padding int        \`json:"padding"\`
		Rows    [][]string \`json:"rows"\`
	} \`json:"tables"\`
	Sorts [][]string \`json:"sorts"\`
	Atoi  [][]string \`json:"atoi"\`
}

type item struct {
	key string
	id  int
}

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		panic(err)
	}
	out := map[string]any{}
	tables := []string{}
	for _, t := range in.Tables {
		var b bytes.Buffer
		w := new(tabwriter.Writer).Init(&b, 0, 8, t.Padding, ' ', 0)
		for _, r := range t.Rows {
			fmt.Fprint(w, strings.Join(r, "\\t")+"\\n")
		}
		w.Flush()
		tables = append(tables, b.String())
	}
	out["tables"] = tables
	orders := [][]int{}
	for _, keys := range in.Sorts {
		items := make([]item, len(keys))
		for i, k := range keys {
			items[i] = item{k, i}
		}
		sort.Slice(items, func(i, j int) bool { return items[i].key < items[j].key })
		ids := make([]int, len(items))
		for i, it := range items {
			ids[i] = it.id
		}
		orders = append(orders, ids)
	}
	out["orders"] = orders
	atoi := [][]int{}
	for _, keys := range in.Atoi {
		items := make([]item, len(keys))
		for i, k := range keys {
			items[i] = item{k, i}
		}
		sort.Slice(items, func(i, j int) bool {
			a, err := strconv.Atoi(items[i].key)
			if err != nil {
				return false
			}
			b, err := strconv.Atoi(items[j].key)
			if err != nil {
				return false
			}
			return a < b
		})
		ids := make([]int, len(items))
		for i, it := range items {
			ids[i] = it.id
		}
		atoi = append(atoi, ids)
	}
	out["atoi"] = atoi
	json.NewEncoder(os.Stdout).Encode(out)
}
`;
import { at } from './helpers/at';
import { prerequisite } from './helpers/prerequisite';

// Deterministic pseudo-random inputs.
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function makeInput() {
  const r = rng(42);
  const pick = <T>(xs: T[]) => at(xs, Math.floor(r() * xs.length));
  const words = [
    '',
    'a',
    'http.8080',
    'outbound|80||simple.simple.svc.cluster.local',
    '*',
    '/simple/nginx*',
    'é',
    'HEALTHY',
    '10.244.0.12:80',
    'Inline Route: /healthz/ready*',
  ];
  const tables = Array.from({ length: 40 }, () => ({
    padding: pick([1, 5]),
    rows: Array.from({ length: 1 + Math.floor(r() * 8) }, () =>
      Array.from({ length: 1 + Math.floor(r() * 5) }, () => pick(words)),
    ),
  }));
  const sorts = Array.from({ length: 60 }, () => {
    const n = Math.floor(r() * 120);
    const alphabet = Math.max(1, Math.floor(r() * 10));
    return Array.from({ length: n }, () => String.fromCharCode(97 + Math.floor(r() * alphabet)));
  });
  // already sorted, reversed and near-sorted inputs take pdqsort's other paths
  sorts.push(Array.from({ length: 100 }, (_, i) => String(1000 + i)));
  sorts.push(Array.from({ length: 100 }, (_, i) => String(2000 - i)));
  sorts.push(Array.from({ length: 200 }, (_, i) => String(1000 + (i % 17 === 0 ? 999 - i : i))));
  const atoi = Array.from({ length: 20 }, () =>
    Array.from({ length: Math.floor(r() * 60) }, () =>
      pick(['80', '8080', 'http.8080', '15021', 'https.443.https.gw.ns', '9080', 'x']),
    ),
  );
  return { tables, sorts, atoi };
}

test(
  'Go text/tabwriter and sort.Slice ports match Go on 40 tables, 63 sorts and 20 Atoi sorts',
  { skip, timeout: 180_000 },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-goparity-'));
    writeFileSync(join(dir, 'main.go'), GO_PROGRAM);
    writeFileSync(join(dir, 'go.mod'), 'module goparity\n\ngo 1.21\n');
    const input = makeInput();
    const res = spawnSync('go', ['run', '.'], {
      cwd: dir,
      input: JSON.stringify(input),
      encoding: 'utf8',
      env: { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' },
    });
    assert.equal(res.status, 0, res.stderr);
    const go = JSON.parse(res.stdout) as { tables: string[]; orders: number[][]; atoi: number[][] };
    input.tables.forEach((t, i) => assert.equal(goTable(t.rows, t.padding), go.tables[i], `table ${i}`));
    input.sorts.forEach((keys, i) => {
      const ids = goSortSlice(
        keys.map((key, id) => ({ key, id })),
        (a, b) => a.key < b.key,
      ).map((x) => x.id);
      assert.deepEqual(ids, go.orders[i], `sort ${i} (n=${keys.length})`);
    });
    const atoi = (s: string) => (/^[+-]?\d+$/.test(s) ? Number(s) : undefined);
    input.atoi.forEach((keys, i) => {
      const ids = goSortSlice(
        keys.map((key, id) => ({ key, id })),
        (a, b) => {
          const x = atoi(a.key);
          if (x === undefined) return false;
          const y = atoi(b.key);
          if (y === undefined) return false;
          return x < y;
        },
      ).map((x) => x.id);
      assert.deepEqual(ids, go.atoi[i], `atoi sort ${i} (n=${keys.length})`);
    });
  },
);
