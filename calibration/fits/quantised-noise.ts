// Noise of a converter whose noise is not much wider than its code step. Readings of a constant
// input are then a gaussian seen through the quantiser: code k is read with probability
//   P(k) = Φ((k + ½ − μ)/σ) − Φ((k − ½ − μ)/σ)    (μ, σ in LSB)
// and their sample spread says little about σ (σ ≪ LSB: almost every reading is one code;
// Widrow's σ² + LSB²/12 holds only on average over input positions). σ is estimated by maximum
// likelihood over this model, on a grid refined around the best point.

/** Maximum-likelihood σ (V) of gaussian noise under quantisation with code step `lsb_V`. */
export function quantisedNoiseRms(readings_V: readonly number[], lsb_V: number): number {
  if (readings_V.length < 2) throw new RangeError('readings_V: needs at least 2 readings');
  if (!(lsb_V > 0)) return sd(readings_V);
  const origin = readings_V[0];
  const counts = new Map<number, number>();
  for (const v of readings_V) {
    const k = Math.round((v - origin) / lsb_V);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const codes = [...counts.entries()];
  const mean = codes.reduce((s, [k, c]) => s + k * c, 0) / readings_V.length;
  const logLikelihood = (mu: number, sigma: number) =>
    codes.reduce((s, [k, c]) => {
      const p = normalCdf((k + 0.5 - mu) / sigma) - normalCdf((k - 0.5 - mu) / sigma);
      return s + c * Math.log(Math.max(p, 1e-300));
    }, 0);
  let best = { mu: mean, logSigma: Math.log(Math.max(sd(readings_V) / lsb_V, 0.1)), ll: -Infinity };
  let muHalf = 0.5;
  let logHalf = 2.5;
  for (let round = 0; round < 6; round++) {
    const center = { ...best };
    for (let i = -10; i <= 10; i++) {
      for (let j = -10; j <= 10; j++) {
        const mu = center.mu + (muHalf * i) / 10;
        const logSigma = center.logSigma + (logHalf * j) / 10;
        const ll = logLikelihood(mu, Math.exp(logSigma));
        if (ll > best.ll) best = { mu, logSigma, ll };
      }
    }
    muHalf /= 4;
    logHalf /= 4;
  }
  return Math.exp(best.logSigma) * lsb_V;
}

/** Standard normal CDF via erfc (Numerical Recipes erfcc, fractional error < 1.2e-7). */
function normalCdf(z: number): number {
  const x = -z / Math.SQRT2;
  const t = 1 / (1 + 0.5 * Math.abs(x));
  const y =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628288 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return 0.5 * (x >= 0 ? y : 2 - y);
}

function sd(v: readonly number[]): number {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return Math.sqrt(v.reduce((a, x) => a + (x - m) ** 2, 0) / (v.length - 1));
}
