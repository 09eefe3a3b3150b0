// Weighted L2-regularised logistic regression by Newton's method (pure,
// deterministic: zero start, fixed iteration cap, Cholesky solves). Small
// problems only: the Hessian is dims × dims.

export interface LogisticFit {
  weights: Float64Array;
  bias: number;
  iterations: number;
}

export interface LogisticRows {
  x: readonly Float32Array[] | readonly Float64Array[];
  /** 1 or 0. */
  y: readonly number[];
  /** Row weights (≥ 0). */
  w: readonly number[];
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** Minimises Σ wᵢ·logloss + λ/2·|weights|² (the bias is not penalised). */
export function fitLogistic(rows: LogisticRows, dims: number, lambda: number, maxIterations = 30): LogisticFit {
  const p = dims + 1; // last = bias
  const theta = new Float64Array(p);
  const grad = new Float64Array(p);
  const hess = new Float64Array(p * p);
  const xi = new Float64Array(p);
  let it = 0;
  for (; it < maxIterations; it++) {
    grad.fill(0);
    hess.fill(0);
    for (let i = 0; i < rows.x.length; i++) {
      const x = rows.x[i]!;
      for (let d = 0; d < dims; d++) xi[d] = x[d]!;
      xi[dims] = 1;
      let z = 0;
      for (let d = 0; d < p; d++) z += theta[d]! * xi[d]!;
      const mu = sigmoid(z);
      const wi = rows.w[i]!;
      const g = wi * (mu - rows.y[i]!);
      const h = wi * mu * (1 - mu);
      for (let a = 0; a < p; a++) {
        grad[a]! += g * xi[a]!;
        const ha = h * xi[a]!;
        if (ha === 0) continue;
        for (let b = a; b < p; b++) hess[a * p + b]! += ha * xi[b]!;
      }
    }
    for (let a = 0; a < p; a++) for (let b = 0; b < a; b++) hess[a * p + b] = hess[b * p + a]!;
    for (let d = 0; d < dims; d++) {
      grad[d]! += lambda * theta[d]!;
      hess[d * p + d]! += lambda;
    }
    hess[dims * p + dims]! += 1e-9;
    const step = choleskySolve(hess, grad, p);
    let size = 0;
    for (let d = 0; d < p; d++) {
      theta[d]! -= step[d]!;
      size = Math.max(size, Math.abs(step[d]!));
    }
    if (size < 1e-7) break;
  }
  return { weights: theta.slice(0, dims), bias: theta[dims]!, iterations: it + 1 };
}

/** Solves A x = b for a symmetric positive-definite A (row-major n × n). */
export function choleskySolve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) {
        if (!(s > 0)) throw new Error("choleskySolve: matrix is not positive definite");
        l[i * n + i] = Math.sqrt(s);
      } else l[i * n + j] = s / l[j * n + j]!;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * y[k]!;
    y[i] = s / l[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * x[k]!;
    x[i] = s / l[i * n + i]!;
  }
  return x;
}

/** Weighted mean log-loss of a fit on rows. */
export function logLoss(rows: LogisticRows, fit: LogisticFit): number {
  let loss = 0;
  let total = 0;
  for (let i = 0; i < rows.x.length; i++) {
    const x = rows.x[i]!;
    let z = fit.bias;
    for (let d = 0; d < fit.weights.length; d++) z += fit.weights[d]! * x[d]!;
    const mu = Math.min(1 - 1e-12, Math.max(1e-12, sigmoid(z)));
    loss -= rows.w[i]! * (rows.y[i]! ? Math.log(mu) : Math.log(1 - mu));
    total += rows.w[i]!;
  }
  return total > 0 ? loss / total : 0;
}
