export * from "./goals/index.ts";

import "./goals/builtin.ts";

export * from "./make_teacher.ts";
export * from "./noisy.ts";
export * from "./oracle.ts";
export * from "./scorer.ts";
