/**
 * Learning-rate schedules by epoch.
 *
 * Burda et al. 2016 (IWAE), sec. 5: training runs in stages i = 0..7; stage i lasts 3^i epochs
 * at learning rate 1e-3 · 10^(−i/7) (3,280 epochs in all). Stage i starts after
 * 1 + 3 + ... + 3^(i−1) = (3^i − 1) / 2 epochs. `baseLr` stands for the paper's 1e-3; past
 * the paper's eighth stage the same rule continues (stage 8: 3^8 epochs at 10^(−8/7)).
 */

/** The IWAE paper's stage of the 0-based `epoch`: the i with (3^i − 1)/2 ≤ epoch < (3^(i+1) − 1)/2. */
export function iwaeStage(epoch: number): number {
  if (!Number.isSafeInteger(epoch) || epoch < 0) throw new RangeError(`iwaeStage: epoch must be an integer >= 0, got ${epoch}`);
  let stage = 0;
  let end = 1; // epochs before the end of stage `stage`: (3^(stage+1) − 1) / 2
  while (epoch >= end) end += 3 ** ++stage;
  return stage;
}

/** The IWAE paper's learning rate in the 0-based `epoch`: baseLr · 10^(−i/7), i its stage. */
export function iwaeLearningRate(baseLr: number, epoch: number): number {
  return baseLr * 10 ** (-iwaeStage(epoch) / 7);
}
