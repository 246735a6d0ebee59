// Setup for the "js-kernels" test project: every kernel test runs again on the plain-JS path.
import { setKernelPath } from "../../src/tensor/index.js";

setKernelPath("js");
