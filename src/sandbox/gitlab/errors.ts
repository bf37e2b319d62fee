/**
 * GitLab's error bodies. Their shapes differ by where the error is raised (Grape validation,
 * API helpers, ActiveRecord, Rack::Attack), and clients parse them, so each has its own builder.
 * Shapes follow gitlab-org/gitlab:lib/api/helpers.rb and lib/api/api.rb.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface Reply {
  status: number;
  /** JSON body; with neither this nor `text` the body is empty (204). */
  body?: JsonValue | undefined;
  /** A non-JSON body, e.g. Rack::Attack's `text/plain` "Retry later". */
  text?: { content: string; contentType: string };
  headers?: Record<string, string> | undefined;
}

/** Thrown by handlers to answer with an error; the server turns it into the reply. */
export class ApiError extends Error {
  readonly reply: Reply;
  constructor(reply: Reply) {
    super(`GitLab sandbox ${reply.status}`);
    this.reply = reply;
  }
}

function fail(status: number, body: JsonValue, headers?: Record<string, string>): ApiError {
  return new ApiError({ status, body, headers });
}

/** `unauthorized!`; also what the remote-mirror routes answer to a non-Maintainer. */
export function unauthorized(): ApiError {
  return fail(401, { message: "401 Unauthorized" });
}

export function forbidden(reason?: string): ApiError {
  return fail(403, { message: reason == null ? "403 Forbidden" : `403 Forbidden - ${reason}` });
}

/** `not_found!('Project')` and friends: "404 Project Not Found", or bare "404 Not Found". */
export function notFound(what?: string): ApiError {
  return fail(404, { message: what == null ? "404 Not Found" : `404 ${what} Not Found` });
}

/** ActiveRecord::RecordNotFound, rescued in lib/api/api.rb: note the lowercase "found". */
export function recordNotFound(): ApiError {
  return fail(404, { message: "404 Not found" });
}

/** Grape parameter validation: `{"error": "<param> is missing"}` and similar. */
export function paramError(error: string): ApiError {
  return fail(400, { error });
}

/** `render_api_error!(model.errors, 400)`: an ActiveModel errors hash under "message". */
export function validationError(errors: Record<string, string[]>): ApiError {
  return fail(400, { message: errors });
}

/** `render_api_error!(string, status)`. */
export function messageError(status: number, message: string): ApiError {
  return fail(status, { message });
}

/** The catch-all `route :any, '*path'`: unknown paths and known paths with the wrong method. */
export function routeNotFound(): Reply {
  return { status: 404, body: { error: "404 Not Found" } };
}
