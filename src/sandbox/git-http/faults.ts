import type { Route } from "./routes.ts";
import type { Fault } from "./types.ts";

export interface ArmedFault extends Fault {
  remaining: number;
  /** Matching requests still to let through (Fault.skip). */
  skipping: number;
}

/** The injected faults still in force, and the matching of a request against them. */
export interface FaultTable {
  inject(fault: Fault): void;
  clear(): void;
  /** The first live fault of this kind aimed at the route, without using it up. */
  find(route: Route, kind: Fault["kind"]): ArmedFault | undefined;
  /** Like `find`, and counts this request against the fault's `skip`, then its `times`. */
  take(route: Route, kind: Fault["kind"]): ArmedFault | undefined;
}

export function createFaultTable(): FaultTable {
  let faults: ArmedFault[] = [];

  function find(route: Route, kind: Fault["kind"]): ArmedFault | undefined {
    faults = faults.filter((f) => f.remaining > 0);
    return faults.find(
      (f) =>
        f.kind === kind &&
        (f.repo == null || f.repo === route.repo) &&
        (f.on == null || f.on === route.kind) &&
        (f.service == null || f.service === route.service),
    );
  }

  return {
    inject: (fault) => {
      faults.push({ ...fault, remaining: fault.times ?? 1, skipping: fault.skip ?? 0 });
    },
    clear: () => {
      faults = [];
    },
    find,
    take: (route, kind) => {
      const fault = find(route, kind);
      if (fault == null) return undefined;
      if (fault.skipping > 0) {
        fault.skipping -= 1;
        return undefined;
      }
      fault.remaining -= 1;
      return fault;
    },
  };
}
