export * from "./http.ts";
export * from "./metrics_tail.ts";
export * from "./process.ts";
export * from "./server.ts";
export { contentType, resolveStatic, VENDOR_FILES, WEB_ROOT } from "./static.ts";
