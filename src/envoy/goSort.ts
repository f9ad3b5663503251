// Go's sort.Slice (pattern-defeating quicksort, Go 1.19+), ported so that rows that compare equal under
// istioctl's less functions end up in the very order istioctl prints them. sort.Slice is not stable: a
// stable JS sort would differ from istioctl on ties once a slice has more than 12 elements.
import { goIndex } from './goIndex';

type Less = (i: number, j: number) => boolean;
type Swap = (i: number, j: number) => void;

const enum Hint {
  Unknown,
  Increasing,
  Decreasing,
}

function bitsLen(x: number): number {
  return x <= 0 ? 0 : Math.floor(Math.log2(x)) + 1;
}

/** Sorts `data` in place exactly as Go's sort.Slice(data, less) would; `less` compares elements. */
export function goSortSlice<T>(data: T[], less: (a: T, b: T) => boolean): T[] {
  const l: Less = (i, j) => less(goIndex(data, i), goIndex(data, j));
  const s: Swap = (i, j) => {
    const t = goIndex(data, i);
    data[i] = goIndex(data, j);
    data[j] = t;
  };
  pdqsort(l, s, 0, data.length, bitsLen(data.length));
  return data;
}

function insertionSort(less: Less, swap: Swap, a: number, b: number): void {
  for (let i = a + 1; i < b; i++) for (let j = i; j > a && less(j, j - 1); j--) swap(j, j - 1);
}

function siftDown(less: Less, swap: Swap, lo: number, hi: number, first: number): void {
  let root = lo;
  for (;;) {
    let child = 2 * root + 1;
    if (child >= hi) return;
    if (child + 1 < hi && less(first + child, first + child + 1)) child++;
    if (!less(first + root, first + child)) return;
    swap(first + root, first + child);
    root = child;
  }
}

function heapSort(less: Less, swap: Swap, a: number, b: number): void {
  const first = a;
  const hi = b - a;
  for (let i = Math.floor((hi - 1) / 2); i >= 0; i--) siftDown(less, swap, i, hi, first);
  for (let i = hi - 1; i >= 0; i--) {
    swap(first, first + i);
    siftDown(less, swap, 0, i, first);
  }
}

function pdqsort(less: Less, swap: Swap, a: number, b: number, limit: number): void {
  const maxInsertion = 12;
  let wasBalanced = true;
  let wasPartitioned = true;
  for (;;) {
    const length = b - a;
    if (length <= maxInsertion) {
      insertionSort(less, swap, a, b);
      return;
    }
    if (limit === 0) {
      heapSort(less, swap, a, b);
      return;
    }
    if (!wasBalanced) {
      breakPatterns(swap, a, b);
      limit--;
    }
    let [pivot, hint] = choosePivot(less, swap, a, b);
    if (hint === Hint.Decreasing) {
      reverseRange(swap, a, b);
      pivot = b - 1 - (pivot - a);
      hint = Hint.Increasing;
    }
    if (wasBalanced && wasPartitioned && hint === Hint.Increasing) {
      if (partialInsertionSort(less, swap, a, b)) return;
    }
    if (a > 0 && !less(a - 1, pivot)) {
      a = partitionEqual(less, swap, a, b, pivot);
      continue;
    }
    const [mid, alreadyPartitioned] = partition(less, swap, a, b, pivot);
    wasPartitioned = alreadyPartitioned;
    const leftLen = mid - a;
    const rightLen = b - mid;
    const balanceThreshold = Math.floor(length / 8);
    if (leftLen < rightLen) {
      wasBalanced = leftLen >= balanceThreshold;
      pdqsort(less, swap, a, mid, limit);
      a = mid + 1;
    } else {
      wasBalanced = rightLen >= balanceThreshold;
      pdqsort(less, swap, mid + 1, b, limit);
      b = mid;
    }
  }
}

function partition(less: Less, swap: Swap, a: number, b: number, pivot: number): [number, boolean] {
  swap(a, pivot);
  let i = a + 1;
  let j = b - 1;
  while (i <= j && less(i, a)) i++;
  while (i <= j && !less(j, a)) j--;
  if (i > j) {
    swap(j, a);
    return [j, true];
  }
  swap(i, j);
  i++;
  j--;
  for (;;) {
    while (i <= j && less(i, a)) i++;
    while (i <= j && !less(j, a)) j--;
    if (i > j) break;
    swap(i, j);
    i++;
    j--;
  }
  swap(j, a);
  return [j, false];
}

function partitionEqual(less: Less, swap: Swap, a: number, b: number, pivot: number): number {
  swap(a, pivot);
  let i = a + 1;
  let j = b - 1;
  for (;;) {
    while (i <= j && !less(a, i)) i++;
    while (i <= j && less(a, j)) j--;
    if (i > j) break;
    swap(i, j);
    i++;
    j--;
  }
  return i;
}

function partialInsertionSort(less: Less, swap: Swap, a: number, b: number): boolean {
  const maxSteps = 5;
  const shortestShifting = 50;
  let i = a + 1;
  for (let step = 0; step < maxSteps; step++) {
    while (i < b && !less(i, i - 1)) i++;
    if (i === b) return true;
    if (b - a < shortestShifting) return false;
    swap(i, i - 1);
    if (i - a >= 2) {
      for (let j = i - 1; j >= 1; j--) {
        if (!less(j, j - 1)) break;
        swap(j, j - 1);
      }
    }
    if (b - i >= 2) {
      for (let j = i + 1; j < b; j++) {
        if (!less(j, j - 1)) break;
        swap(j, j - 1);
      }
    }
  }
  return false;
}

function breakPatterns(swap: Swap, a: number, b: number): void {
  const length = b - a;
  if (length < 8) return;
  // Go: xorshift seeded with the length (uint64 arithmetic).
  let r = BigInt(length);
  const mask64 = (1n << 64n) - 1n;
  const next = (): bigint => {
    r ^= (r << 13n) & mask64;
    r ^= r >> 7n;
    r ^= (r << 17n) & mask64;
    return r;
  };
  const modulus = BigInt(2 ** bitsLen(length));
  for (let idx = a + Math.floor(length / 4) * 2 - 1; idx <= a + Math.floor(length / 4) * 2 + 1; idx++) {
    let other = Number(next() & (modulus - 1n));
    if (other >= length) other -= length;
    swap(idx, a + other);
  }
}

function choosePivot(less: Less, _swap: Swap, a: number, b: number): [number, Hint] {
  const shortestNinther = 50;
  const maxSwaps = 4 * 3;
  const l = b - a;
  const swaps = { n: 0 };
  let i = a + Math.floor(l / 4) * 1;
  let j = a + Math.floor(l / 4) * 2;
  let k = a + Math.floor(l / 4) * 3;
  if (l >= 8) {
    if (l >= shortestNinther) {
      i = median(less, i - 1, i, i + 1, swaps);
      j = median(less, j - 1, j, j + 1, swaps);
      k = median(less, k - 1, k, k + 1, swaps);
    }
    j = median(less, i, j, k, swaps);
  }
  if (swaps.n === 0) return [j, Hint.Increasing];
  if (swaps.n === maxSwaps) return [j, Hint.Decreasing];
  return [j, Hint.Unknown];
}

function order2(less: Less, a: number, b: number, swaps: { n: number }): [number, number] {
  if (less(b, a)) {
    swaps.n++;
    return [b, a];
  }
  return [a, b];
}

function median(less: Less, a: number, b: number, c: number, swaps: { n: number }): number {
  [a, b] = order2(less, a, b, swaps);
  [b, c] = order2(less, b, c, swaps);
  [a, b] = order2(less, a, b, swaps);
  void c;
  return b;
}

function reverseRange(swap: Swap, a: number, b: number): void {
  let i = a;
  let j = b - 1;
  while (i < j) {
    swap(i, j);
    i++;
    j--;
  }
}
