/** Replaced at bundle time (esbuild `define`); the source value is for running from source. */
declare const CI_MIRROR_VERSION: string | undefined;
export const VERSION: string = typeof CI_MIRROR_VERSION === "string" ? CI_MIRROR_VERSION : "0.0.0-dev";
