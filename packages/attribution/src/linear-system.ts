/**
 * Dense LU decomposition with partial pivoting, enough for the Markov model's (I − Q) systems: one state
 * per channel (or source, campaign…), so tens to a few hundred unknowns.
 */
export interface LuDecomposition {
  readonly n: number;
  /** L (unit diagonal, below) and U (on and above the diagonal) packed row-major in one n×n array. */
  readonly lu: Float64Array;
  /** Row i of the factorised matrix is row perm[i] of the original. */
  readonly perm: Int32Array;
}

/** Factorises the row-major n×n matrix `a` (not modified). Throws on a singular matrix. */
export function luDecompose(a: ArrayLike<number>, n: number): LuDecomposition {
  if (a.length !== n * n) throw new RangeError(`expected ${n * n} matrix entries, got ${a.length}`);
  const lu = Float64Array.from(a);
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let k = 0; k < n; k++) {
    // Partial pivoting: take the largest remaining entry of column k, which keeps the multipliers ≤ 1.
    let pivotRow = k;
    let pivotAbs = Math.abs(lu[k * n + k]!);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(lu[i * n + k]!);
      if (v > pivotAbs) {
        pivotAbs = v;
        pivotRow = i;
      }
    }
    if (pivotAbs === 0) throw new RangeError('singular matrix');
    if (pivotRow !== k) {
      for (let j = 0; j < n; j++) {
        const t = lu[k * n + j]!;
        lu[k * n + j] = lu[pivotRow * n + j]!;
        lu[pivotRow * n + j] = t;
      }
      const t = perm[k]!;
      perm[k] = perm[pivotRow]!;
      perm[pivotRow] = t;
    }
    const pivot = lu[k * n + k]!;
    for (let i = k + 1; i < n; i++) {
      const factor = lu[i * n + k]! / pivot;
      lu[i * n + k] = factor;
      if (factor === 0) continue;
      for (let j = k + 1; j < n; j++) lu[i * n + j] = lu[i * n + j]! - factor * lu[k * n + j]!;
    }
  }
  return { n, lu, perm };
}

/** Solves A x = b with a decomposition of A. */
export function luSolve({ n, lu, perm }: LuDecomposition, b: ArrayLike<number>): Float64Array {
  if (b.length !== n) throw new RangeError(`expected ${n} right-hand side entries, got ${b.length}`);
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = b[perm[i]!]!;
    for (let j = 0; j < i; j++) sum -= lu[i * n + j]! * x[j]!;
    x[i] = sum;
  }
  for (let i = n - 1; i >= 0; i--) {
    let sum = x[i]!;
    for (let j = i + 1; j < n; j++) sum -= lu[i * n + j]! * x[j]!;
    x[i] = sum / lu[i * n + i]!;
  }
  return x;
}

/** Solves A x = b for a matrix given as rows. Throws RangeError when A is singular. */
export function solveLinearSystem(a: ReadonlyArray<ReadonlyArray<number>>, b: ReadonlyArray<number>): number[] {
  const n = a.length;
  const flat = new Float64Array(n * n);
  a.forEach((row, i) => {
    if (row.length !== n) throw new RangeError(`row ${i} has ${row.length} entries, expected ${n}`);
    flat.set(row, i * n);
  });
  return Array.from(luSolve(luDecompose(flat, n), b));
}
