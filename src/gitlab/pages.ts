/**
 * Offset pagination, bounded. A listing's size comes from what the server says (`X-Total-Pages`,
 * `X-Next-Page`), and a server that lies must not decide how much the client allocates or how
 * many requests it sends, nor turn a listing it fails to deliver into an empty one.
 *
 * GitLab's rules (lib/gitlab/pagination/offset_header_builder.rb, offset_pagination.rb): it counts
 * up to 10,000 rows and leaves `X-Total`/`X-Total-Pages` out above that; `X-Next-Page` names
 * the next page, empty on the last one; `per_page` is clamped to 100.
 */
import pLimit from "p-limit";
import { ToolError } from "../errors/tool-error.ts";

/** One page as the transport hands it over: the parsed body and the lower-cased headers. */
export interface Page {
  body: unknown;
  headers: Record<string, string>;
}

export interface PageOptions {
  perPage: number;
  /** Most pages one listing may take: more is refused with an error, never cut short. */
  maxPages: number;
  /** Pages asked for at once once page 1 has given the count. */
  concurrency: number;
  /** What is listed, for messages: "projects of group fleet". */
  what: string;
  host: string;
}

// Above this GitLab gives no count, so a larger one did not come from GitLab.
const COUNT_LIMIT = 10_000;

export async function allPages(
  getPage: (page: number) => Promise<Page>,
  options: PageOptions,
): Promise<unknown[]> {
  const fail = (problem: string): ToolError =>
    new ToolError("EGITLABPAGES", `${options.host} ${problem} while listing ${options.what}`);
  const first = await getPage(1);
  const pages = [rowsOf(first, 1, options, fail)];
  const counted = headerNumber(first, "x-total-pages", fail);
  if (counted != null) {
    const perPage = Math.min(
      options.perPage,
      Math.max(1, headerNumber(first, "x-per-page", fail) ?? options.perPage),
    );
    const most = Math.min(options.maxPages, Math.ceil(COUNT_LIMIT / perPage));
    if (counted < 1 || counted > most) {
      throw fail(
        `claimed ${counted} pages (at most ${most} for ${COUNT_LIMIT.toLocaleString("en-US")} rows, where GitLab stops counting)`,
      );
    }
    const limit = pLimit(options.concurrency);
    const rest = await Promise.all(
      Array.from({ length: counted - 1 }, (_, index) =>
        limit(async () => rowsOf(await getPage(index + 2), index + 2, options, fail)),
      ),
    );
    pages.push(...rest);
    const empty = pages.findIndex((rows, index) => rows.length === 0 && index < counted - 1);
    if (empty >= 0) throw fail(`claimed ${counted} pages, but page ${empty + 1} was empty`);
    const total = headerNumber(first, "x-total", fail) ?? 0;
    if (total > 0 && pages.every((rows) => rows.length === 0)) {
      throw fail(`claimed ${total} rows in ${counted} pages, but sent none`);
    }
    return pages.flat();
  }
  // Past 10,000 rows: one page after another, each naming the next.
  let page = 1;
  let current = first;
  for (;;) {
    const next = headerNumber(current, "x-next-page", fail);
    if (next == null) return pages.flat();
    if (next !== page + 1) throw fail(`named page ${next} as the one after page ${page}`);
    if (pages[pages.length - 1]?.length === 0)
      throw fail(`sent an empty page ${page} that names a next page`);
    if (next > options.maxPages) {
      throw fail(
        `had more than ${options.maxPages} pages (${options.maxPages * options.perPage} rows), more than ci-mirror reads`,
      );
    }
    current = await getPage(next);
    page = next;
    pages.push(rowsOf(current, page, options, fail));
  }
}

function rowsOf(
  page: Page,
  number: number,
  options: PageOptions,
  fail: (problem: string) => ToolError,
): unknown[] {
  if (!Array.isArray(page.body)) throw fail(`sent something other than a list for page ${number}`);
  if (page.body.length > options.perPage) {
    throw fail(`sent ${page.body.length} rows for page ${number}, asked for ${options.perPage}`);
  }
  return page.body;
}

/** A header's number; undefined when absent or empty (GitLab's "no next page"). */
function headerNumber(page: Page, name: string, fail: (problem: string) => ToolError): number | undefined {
  const value = page.headers[name]?.trim();
  if (value == null || value === "") return undefined;
  if (!/^\d{1,9}$/.test(value)) throw fail(`sent an unreadable ${name} header`);
  return Number(value);
}
