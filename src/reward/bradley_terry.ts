/**
 * The Bradley–Terry preference model with a 10% chance of a uniformly random answer
 * (Christiano et al. 2017, §2.2.3):
 *
 *   P̂[σ¹ ≻ σ²] = exp Σr̂(σ¹) / (exp Σr̂(σ¹) + exp Σr̂(σ²)) = sigmoid(Σr̂(σ¹) − Σr̂(σ²))
 *   P′ = (1 − ε)·P̂ + ε/2
 *   loss = −μ₁·log P′[σ¹ ≻ σ²] − μ₂·log P′[σ² ≻ σ¹]
 *
 * with undiscounted sums and μ = (1,0), (0,1) or (½,½) for left, right and equal. Both versions
 * below take the difference of the sums `d = Σr̂(σ¹) − Σr̂(σ²)` and μ₁ (μ₂ = 1 − μ₁).
 */
import { type JaxArray, nn, np } from "../nn/index.ts";

/** P′[σ¹ ≻ σ²] for a difference of predicted returns `d`, in plain JavaScript. */
export function preferenceProbability(d: number, epsilon: number): number {
  const p = d >= 0 ? 1 / (1 + Math.exp(-d)) : Math.exp(d) / (1 + Math.exp(d));
  return (1 - epsilon) * p + epsilon / 2;
}

/** log P′[σ¹ ≻ σ²], finite for any `d` (log-sigmoid form when ε = 0). */
function logPreference(d: number, epsilon: number): number {
  if (epsilon > 0) return Math.log(preferenceProbability(d, epsilon));
  return d >= 0 ? -Math.log1p(Math.exp(-d)) : d - Math.log1p(Math.exp(d));
}

/** The cross-entropy of one labelled pair, in plain JavaScript (the reference for the traced loss). */
export function bradleyTerryLossHost(d: number, mu1: number, epsilon: number): number {
  const left = mu1 > 0 ? mu1 * logPreference(d, epsilon) : 0;
  const right = mu1 < 1 ? (1 - mu1) * logPreference(-d, epsilon) : 0;
  return -(left + right);
}

/**
 * The per-pair cross-entropy inside a traced function: `d` and `mu1` are [pairs] and are
 * consumed. With ε > 0, P′ ∈ [ε/2, 1 − ε/2], so the logarithms are finite; with ε = 0 the
 * log-sigmoid form keeps them finite.
 */
export function bradleyTerryLoss(d: JaxArray, mu1: JaxArray, epsilon: number): JaxArray {
  // jax-js's sigmoid is 1 / (1 + exp(−d)); its derivative is inf/inf = NaN once exp(−d)
  // overflows (d < −88). Past ±30 the probability is saturated in float32 anyway.
  d = np.clip(d, -30, 30);
  let logLeft: JaxArray;
  let logRight: JaxArray;
  if (epsilon > 0) {
    logLeft = np.log(
      nn
        .sigmoid(d.ref)
        .mul(1 - epsilon)
        .add(epsilon / 2),
    );
    logRight = np.log(
      nn
        .sigmoid(np.negative(d))
        .mul(1 - epsilon)
        .add(epsilon / 2),
    );
  } else {
    logLeft = nn.logSigmoid(d.ref);
    logRight = nn.logSigmoid(np.negative(d));
  }
  const mu2 = np.subtract(1, mu1.ref);
  return np.negative(mu1.mul(logLeft).add(mu2.mul(logRight)));
}
