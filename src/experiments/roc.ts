/**
 * How well a score separates two sets: the ROC curve, its area (AUROC) and the area under the
 * precision-recall curve (AUPRC, as average precision). Scores are "higher means positive"
 * (sklearn's `roc_auc_score` convention); an outlier detector passes −log p(x) with the
 * outliers as positives. Tied scores count half (AUROC) and form one threshold (curve, AUPRC).
 */

/** One point per distinct threshold, from the highest score down, after (0, 0) at +∞. */
export interface RocCurve {
  /** Point t flags every example scored ≥ thresholds[t]. */
  thresholds: number[];
  falsePositiveRate: number[];
  truePositiveRate: number[];
  /** True positives over flagged examples (1 at the start, where nothing is flagged). */
  precision: number[];
}

/** The pooled scores sorted descending, with 1 for a positive and 0 for a negative. */
interface Ranking {
  scores: Float64Array;
  positive: Uint8Array;
}

function rank(op: string, positives: ArrayLike<number>, negatives: ArrayLike<number>): Ranking {
  for (const [name, set] of [["positive", positives], ["negative", negatives]] as const) {
    if (set.length === 0) throw new RangeError(`${op}: no ${name} scores`);
    for (let i = 0; i < set.length; i++) if (Number.isNaN(set[i])) throw new RangeError(`${op}: ${name} score ${i} is NaN`);
  }
  const pooled = Float64Array.from([...Array.from(positives), ...Array.from(negatives)]);
  // Descending; a comparator, not b − a, so that ±Infinity scores sort too.
  const order = Array.from(pooled.keys()).sort((a, b) => Number(pooled[b] as number > (pooled[a] as number)) - Number(pooled[b] as number < (pooled[a] as number)));
  return {
    scores: Float64Array.from(order, (i) => pooled[i] as number),
    positive: Uint8Array.from(order, (i) => (i < positives.length ? 1 : 0)),
  };
}

/** Calls `visit(start, end)` for each run of equal scores [start, end) of a ranking. */
function forEachTie(scores: Float64Array, visit: (start: number, end: number) => void): void {
  for (let start = 0; start < scores.length; ) {
    let end = start + 1;
    while (end < scores.length && scores[end] === scores[start]) end++;
    visit(start, end);
    start = end;
  }
}

/**
 * AUROC = P(s⁺ > s⁻) + ½ P(s⁺ = s⁻) for a random positive and negative: the Mann-Whitney U
 * statistic over n⁺n⁻ (Hanley & McNeil 1982), from mid-ranks of the pooled scores. Only the
 * order of the scores enters, so a strictly increasing transform of them leaves it unchanged.
 */
export function auroc(positives: ArrayLike<number>, negatives: ArrayLike<number>): number {
  const { scores, positive } = rank("auroc", positives, negatives);
  const n = scores.length;
  let positiveRankSum = 0; // ascending ranks 1..n: rank of descending position i is n − i
  forEachTie(scores, (start, end) => {
    const midRank = n - (start + end - 1) / 2;
    for (let i = start; i < end; i++) if (positive[i] === 1) positiveRankSum += midRank;
  });
  const nPos = positives.length;
  // U = R⁺ − n⁺(n⁺ + 1)/2 counts the (positive, negative) pairs in the right order.
  return (positiveRankSum - (nPos * (nPos + 1)) / 2) / (nPos * negatives.length);
}

/** The ROC curve and the precision at every distinct threshold. */
export function rocCurve(positives: ArrayLike<number>, negatives: ArrayLike<number>): RocCurve {
  const { scores, positive } = rank("rocCurve", positives, negatives);
  const curve: RocCurve = { thresholds: [Infinity], falsePositiveRate: [0], truePositiveRate: [0], precision: [1] };
  let truePositives = 0;
  forEachTie(scores, (start, end) => {
    for (let i = start; i < end; i++) truePositives += positive[i] as number;
    const falsePositives = end - truePositives;
    curve.thresholds.push(scores[start] as number);
    curve.falsePositiveRate.push(falsePositives / negatives.length);
    curve.truePositiveRate.push(truePositives / positives.length);
    curve.precision.push(truePositives / end);
  });
  return curve;
}

/**
 * AUPRC as average precision, AP = Σ_t (R_t − R_{t−1}) P_t over the distinct thresholds t (the
 * step-wise area of sklearn's `average_precision_score`, no interpolation). A score that knows
 * nothing gets about the positives' share, n⁺ / (n⁺ + n⁻).
 */
export function auprc(positives: ArrayLike<number>, negatives: ArrayLike<number>): number {
  const curve = rocCurve(positives, negatives);
  let area = 0;
  for (let t = 1; t < curve.thresholds.length; t++) {
    area += ((curve.truePositiveRate[t] as number) - (curve.truePositiveRate[t - 1] as number)) * (curve.precision[t] as number);
  }
  return area;
}
