// Weighted, L2-regularised logistic regression fitted by Newton's method (pure,
// deterministic): small dense problems (tens of features, tens of thousands of rows).

export interface Example {
  features: ArrayLike<number>;
  label: 0 | 1;
  weight: number;
}

/** Solves A x = b (A symmetric positive definite, n×n row-major) by Gaussian elimination with partial pivoting. */
export function solve(A: Float64Array, b: Float64Array, n: number): Float64Array {
  const M = Float64Array.from(A);
  const x = Float64Array.from(b);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r * n + c]!) > Math.abs(M[p * n + c]!)) p = r;
    if (p !== c) {
      for (let k = 0; k < n; k++) [M[c * n + k], M[p * n + k]] = [M[p * n + k]!, M[c * n + k]!];
      [x[c], x[p]] = [x[p]!, x[c]!];
    }
    const d = M[c * n + c]!;
    if (Math.abs(d) < 1e-12) throw new Error("singular system");
    for (let r = c + 1; r < n; r++) {
      const f = M[r * n + c]! / d;
      if (f === 0) continue;
      for (let k = c; k < n; k++) M[r * n + k] = M[r * n + k]! - f * M[c * n + k]!;
      x[r] = x[r]! - f * x[c]!;
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r]!;
    for (let k = r + 1; k < n; k++) s -= M[r * n + k]! * x[k]!;
    x[r] = s / M[r * n + r]!;
  }
  return x;
}

/**
 * Weights minimising the weighted log loss plus `l2`/2 · |w|² (feature 0, the
 * bias, not penalised). Starts from zero; stops when no weight moves more than 1e-9.
 */
export function fitLogistic(examples: readonly Example[], dims: number, l2 = 1e-3, maxIterations = 50, fixedZero: ReadonlySet<number> = new Set()): Float64Array {
  const w = new Float64Array(dims);
  for (let it = 0; it < maxIterations; it++) {
    const grad = new Float64Array(dims);
    const hess = new Float64Array(dims * dims);
    for (const e of examples) {
      let z = 0;
      for (let i = 0; i < dims; i++) z += w[i]! * e.features[i]!;
      const p = 1 / (1 + Math.exp(-z));
      const g = (p - e.label) * e.weight;
      const h = Math.max(p * (1 - p), 1e-12) * e.weight;
      for (let i = 0; i < dims; i++) {
        const fi = e.features[i]!;
        grad[i] = grad[i]! + g * fi;
        for (let j = i; j < dims; j++) hess[i * dims + j] = hess[i * dims + j]! + h * fi * e.features[j]!;
      }
    }
    for (let i = 0; i < dims; i++) for (let j = 0; j < i; j++) hess[i * dims + j] = hess[j * dims + i]!;
    for (let i = 1; i < dims; i++) {
      grad[i] = grad[i]! + l2 * w[i]!;
      hess[i * dims + i] = hess[i * dims + i]! + l2;
    }
    hess[0] = hess[0]! + 1e-9;
    // Features held at zero: their row and column become the identity, their gradient zero.
    for (const z of fixedZero) {
      for (let k = 0; k < dims; k++) {
        hess[z * dims + k] = 0;
        hess[k * dims + z] = 0;
      }
      hess[z * dims + z] = 1;
      grad[z] = 0;
    }
    const step = solve(hess, grad, dims);
    let moved = 0;
    for (let i = 0; i < dims; i++) {
      w[i] = w[i]! - step[i]!;
      moved = Math.max(moved, Math.abs(step[i]!));
    }
    if (moved < 1e-9) break;
  }
  return w;
}

/**
 * Logistic regression whose weights keep given signs (+1: not negative, -1: not
 * positive, 0: free): a feature whose fitted weight has the wrong sign is held
 * at zero and the rest refitted, until none is wrong. The verifier so never
 * rewards a difference (a word in one prompt only) or penalises an agreement,
 * whatever correlations a training set happens to have.
 */
export function fitSignConstrained(examples: readonly Example[], signs: readonly number[], l2 = 1e-3): { weights: Float64Array; dropped: number[] } {
  const dims = signs.length;
  const zero = new Set<number>();
  for (;;) {
    const w = fitLogistic(examples, dims, l2, 50, zero);
    let worst = -1;
    let worstValue = 0;
    for (let i = 0; i < dims; i++) {
      const wrong = signs[i]! * w[i]! < 0 ? Math.abs(w[i]!) : 0;
      if (wrong > worstValue) {
        worst = i;
        worstValue = wrong;
      }
    }
    if (worst < 0) return { weights: w, dropped: [...zero].sort((a, b) => a - b) };
    zero.add(worst);
  }
}
