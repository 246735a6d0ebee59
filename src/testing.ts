/**
 * elbo/testing: the gradient-check suite elbo's own tests run, for your ops, layers and losses.
 * Pass it fast-check (an optional peer: `npm install -D fast-check`):
 *
 *   import fc from "fast-check";
 *   import { arbitraries, checkGradients } from "elbo/testing";
 *   const arb = arbitraries(fc);
 *   checkGradients(fc, { run: (x) => myOp(x), inputs: fc.tuple(arb.tensor(arb.shape())) });
 *
 * Every name here is public API, listed in `test/api/public-api.txt` (`npm run api:update`).
 */
export {
  checkGradients,
  checkOpGradients,
  checkLossGradients,
  type CheckGradientsOptions,
  type FastCheckApi,
  type GradientCase,
  type GradientCases,
} from "./testing/gradients.js";
export { arbitraries, type Arbitraries, type ValueRange } from "./testing/arbitraries.js";
