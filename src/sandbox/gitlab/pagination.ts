/**
 * Offset pagination as GitLab sends it (gitlab-org/gitlab:lib/gitlab/pagination/offset_header_builder.rb,
 * config/initializers/kaminari_config.rb): `per_page` defaults to 20 and is clamped to 100,
 * `X-Next-Page`/`X-Prev-Page` are empty strings at the ends, and above 10,000 rows the counts
 * (`X-Total`, `X-Total-Pages`, `rel="last"`) are left out.
 */
import { paramError } from "./errors.ts";
import type { Params } from "./params.ts";

const DEFAULT_PER_PAGE = 20;
const MAX_PER_PAGE = 100;
const COUNT_LIMIT = 10_000;

export interface PageLink {
  /** Absolute API URL of the endpoint, e.g. `http://127.0.0.1:1234/api/v4/groups/7/projects`. */
  endpoint: string;
  /** Query parameters of the request; the Link repeats them all. */
  query: URLSearchParams;
  /** Route parameters such as `id`, which GitLab also repeats in the Link query. */
  routeParams: Record<string, string>;
}

export interface Page<T> {
  items: T[];
  headers: Record<string, string>;
}

/**
 * `params :pagination` (lib/api/concerns/pagination_params.rb): both Integer (Grape answers "<p> is
 * invalid" otherwise), `per_page` with `except_values: [0]` ("per_page has a value not allowed"),
 * and `verify_pagination_params!` refusing values below 1 ("<p> does not have a valid value").
 * Only a `per_page` above 100 is quietly clamped, by Kaminari.
 */
function pageParam(params: Params, name: "page" | "per_page", fallback: number): number {
  const value = params[name];
  if (value == null || value === "") return fallback;
  const n =
    typeof value === "number"
      ? value
      : typeof value === "string" && /^\s*[-+]?\d+\s*$/.test(value)
        ? Number(value)
        : NaN;
  if (!Number.isInteger(n)) throw paramError(`${name} is invalid`);
  if (name === "per_page" && n === 0) throw paramError("per_page has a value not allowed");
  if (n < 1) throw paramError(`${name} does not have a valid value`);
  return n;
}

export function paginate<T>(all: readonly T[], params: Params, link: PageLink): Page<T> {
  const perPage = Math.min(pageParam(params, "per_page", DEFAULT_PER_PAGE), MAX_PER_PAGE);
  const page = pageParam(params, "page", 1);
  const total = all.length;
  const counted = total <= COUNT_LIMIT;
  const totalPages = Math.max(1, Math.ceil(total / perPage));
  const items = all.slice((page - 1) * perPage, page * perPage);
  const next = page * perPage < total ? page + 1 : undefined;
  const prev = page > 1 ? page - 1 : undefined;

  const href = (p: number): string => `${link.endpoint}?${toQuery(link, p, perPage)}`;
  const links: string[] = [];
  if (prev != null) links.push(`<${href(prev)}>; rel="prev"`);
  if (next != null) links.push(`<${href(next)}>; rel="next"`);
  links.push(`<${href(1)}>; rel="first"`);
  if (counted) links.push(`<${href(totalPages)}>; rel="last"`);

  const headers: Record<string, string> = {
    "x-per-page": String(perPage),
    "x-page": String(page),
    "x-next-page": next == null ? "" : String(next),
    "x-prev-page": prev == null ? "" : String(prev),
    link: links.join(", "),
  };
  if (counted) {
    headers["x-total"] = String(total);
    headers["x-total-pages"] = String(totalPages);
  }
  return { items, headers };
}

// Rails' Hash#to_query: keys sorted, values CGI-escaped (space as "+").
function toQuery(link: PageLink, page: number, perPage: number): string {
  const pairs = new Map<string, string[]>();
  for (const [key, value] of link.query) pairs.set(key, [...(pairs.get(key) ?? []), value]);
  for (const [key, value] of Object.entries(link.routeParams)) pairs.set(key, [value]);
  pairs.set("page", [String(page)]);
  pairs.set("per_page", [String(perPage)]);
  return [...pairs.keys()]
    .sort()
    .flatMap((key) => (pairs.get(key) ?? []).map((v) => `${cgiEscape(key)}=${cgiEscape(v)}`))
    .join("&");
}

function cgiEscape(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, "+");
}
