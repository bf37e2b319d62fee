// Run as its own process: takes the cache dir lock of argv[2], says so, then blocks its main
// thread for good, as a run stuck in long synchronous work would: no heartbeat ever again.
import { acquireCacheLock } from "../../src/util/cache-lock.ts";

const dir = process.argv[2];
if (dir == null) throw new Error("usage: hold-lock.ts CACHE_DIR");
await acquireCacheLock(dir);
process.stdout.write("locked\n");
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
