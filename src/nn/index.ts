export * from "./cnn.ts";
export * from "./conv.ts";
export { type JaxArray, nn, np, random, tree } from "./jax.ts";
export * from "./mlp.ts";
export * from "./safetensors.ts";
export * from "./tensor.ts";
export * from "./trainer.ts";
